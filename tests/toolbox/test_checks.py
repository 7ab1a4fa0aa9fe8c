"""Unit tests of helpers.checks: expect, show, source_of."""

import numpy as np
import pytest

from helpers import checks
from helpers.checks import ClaimFailed, expect, show, source_of


def sample_function(x):
    return x + 1  # a line that only this function has


class SampleClass:
    def method(self):
        return "method body"


# ---- expect ----

def test_expect_prints_the_claim_when_true(capsys):
    expect(1 < 2, "one is less than two")
    assert capsys.readouterr().out == "✔ one is less than two\n"


def test_expect_raises_claim_failed_with_the_claim_when_false(capsys):
    with pytest.raises(ClaimFailed, match="claim did not hold: two is less than one"):
        expect(2 < 1, "two is less than one")
    assert capsys.readouterr().out == ""


def test_claim_failed_is_an_assertion_error():
    assert issubclass(ClaimFailed, AssertionError)


def test_expect_accepts_numpy_bools(capsys):
    expect(np.float64(2.0) > 1, "numpy comparison holds")
    assert "✔ numpy comparison holds" in capsys.readouterr().out
    with pytest.raises(ClaimFailed, match="numpy comparison fails"):
        expect(np.bool_(False), "numpy comparison fails")


@pytest.mark.parametrize("condition", [[1, 2], None, 1, 0, "yes", np.array([True])],
                         ids=["list", "None", "int 1", "int 0", "str", "array"])
def test_expect_rejects_non_bool_conditions(condition):
    with pytest.raises(TypeError, match="condition must be True or False"):
        expect(condition, "something")


@pytest.mark.parametrize("claim", ["", "   ", None, 42])
def test_expect_rejects_empty_or_non_str_claims(claim):
    with pytest.raises(TypeError, match="claim must be a non-empty sentence"):
        expect(True, claim)


# ---- source_of ----

def test_source_of_a_function():
    assert source_of(sample_function).startswith("def sample_function(x):")


def test_source_of_a_class_and_a_method():
    assert source_of(SampleClass).startswith("class SampleClass:")
    assert "method body" in source_of(SampleClass().method)


def test_source_of_a_module():
    assert "def source_of" in source_of(checks)


@pytest.mark.parametrize("obj", [42, "text", len], ids=["int", "str", "builtin"])
def test_source_of_rejects_what_has_no_python_source(obj):
    with pytest.raises(TypeError, match="expected a function, class, method or module"):
        source_of(obj)


# ---- show ----

def test_show_prints_the_source_outside_ipython(capsys):
    assert show(sample_function) is None
    assert "return x + 1  # a line that only this function has" in capsys.readouterr().out


def test_show_prints_several_objects_in_order(capsys):
    show(sample_function, SampleClass)
    out = capsys.readouterr().out
    assert out.index("def sample_function") < out.index("class SampleClass")


def test_show_needs_an_argument():
    with pytest.raises(TypeError, match="needs at least one function"):
        show()


def test_show_rejects_a_non_function():
    with pytest.raises(TypeError, match="got int"):
        show(42)
