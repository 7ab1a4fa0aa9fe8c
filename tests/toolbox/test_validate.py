"""Unit tests of helpers.validate: the shared argument checks."""

import pytest

from helpers.validate import function, number, one_of, seconds, whole_number


def test_whole_number_bounds_and_types():
    assert whole_number("n", 3, minimum=1, maximum=3) == 3
    with pytest.raises(TypeError, match="n must be a whole number"):
        whole_number("n", True)
    with pytest.raises(TypeError):
        whole_number("n", 2.0)
    with pytest.raises(ValueError, match="n must be >= 1, got 0"):
        whole_number("n", 0, minimum=1)
    with pytest.raises(ValueError, match="<= 3"):
        whole_number("n", 4, maximum=3)


def test_number_and_seconds():
    assert number("x", 0.5, positive=True) == 0.5
    with pytest.raises(ValueError, match="> 0"):
        number("x", 0, positive=True)
    with pytest.raises(ValueError, match="NaN"):
        number("x", float("nan"))
    with pytest.raises(ValueError, match=">= 0"):
        seconds("delay", -1)
    with pytest.raises(TypeError):
        seconds("delay", "1")


def test_one_of_and_function():
    assert one_of("method", "fork", ("fork", "spawn")) == "fork"
    with pytest.raises(ValueError, match="one of"):
        one_of("method", "vfork", ("fork", "spawn"))
    assert function("f", len) is len
    with pytest.raises(TypeError, match="without calling it"):
        function("f", len([]))
