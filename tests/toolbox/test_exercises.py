"""Unit tests of helpers.exercises: the one checker behind every exercise."""

from __future__ import annotations

import queue
import threading
import time

import numpy as np
import pytest

from helpers.exercises import (
    check_behaviour,
    check_prediction,
    choose_labels,
    compare_with_reference,
    passes,
)


def test_compare_reports_each_wrong_case(capsys):
    compare_with_reference(lambda n: n + 1, lambda n: n * 2, [(1,), (2,), (3,)])
    out = capsys.readouterr().out
    assert out.startswith("Not yet:")
    assert "(2): expected 4, got 3" in out and "(3): expected 6, got 4" in out
    assert "(1)" not in out


def test_compare_says_when_the_stub_is_empty(capsys):
    compare_with_reference(lambda n: None, lambda n: n, [(1,), (2,)])
    assert "returns None" in capsys.readouterr().out


def test_compare_reports_an_exception_instead_of_raising(capsys):
    compare_with_reference(lambda n: 1 / n, lambda n: 1.0, [(0,)])
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_compare_is_tolerant_for_floats_and_arrays():
    assert passes(compare_with_reference, lambda: 0.1 + 0.2, lambda: 0.3, [()])
    assert passes(compare_with_reference, lambda: np.ones(3) / 3, lambda: np.full(3, 1 / 3), [()])
    assert not passes(compare_with_reference, lambda: np.ones(2), lambda: np.ones(3), [()])
    assert not passes(compare_with_reference, lambda: True, lambda: 1, [()])


def test_compare_rejects_bad_arguments():
    with pytest.raises(TypeError, match="callable"):
        compare_with_reference(3, abs, [(1,)])
    with pytest.raises(ValueError, match="at least one"):
        compare_with_reference(abs, abs, [])


def test_choose_labels_explains_a_wrong_choice(capsys):
    expected = {"sleep": "threads", "sum": "processes"}
    choose_labels({"sleep": "threads", "sum": "threads"}, expected,
                  why={"sum": "CPU work needs cores"})
    out = capsys.readouterr().out
    assert "'sum': not 'threads' (CPU work needs cores)" in out
    assert not passes(choose_labels, {"sleep": "gpu"}, expected)
    assert passes(choose_labels, dict(expected), expected)


def test_check_behaviour_catches_a_lossy_consumer(capsys):
    def lossy() -> str | None:
        q: queue.Queue = queue.Queue()
        for item in range(5):
            q.put(item)
        got = [q.get() for _ in range(4)]
        return None if len(got) == 5 else f"got {len(got)} of 5 items"

    check_behaviour(lossy, trials=3)
    assert "trial 1: got 4 of 5 items" in capsys.readouterr().out


def test_check_behaviour_reports_a_hang_and_does_not_hang():
    stop = threading.Event()
    start = time.monotonic()
    assert not passes(check_behaviour, lambda: stop.wait(5) and None, trials=5, timeout=0.2)
    assert time.monotonic() - start < 2
    stop.set()


def test_check_behaviour_passes_a_right_trial(capsys):
    check_behaviour(lambda: None, trials=4)
    assert "✔" in capsys.readouterr().out


def test_check_prediction_within_and_outside_tolerance(capsys):
    assert passes(check_prediction, 1.05, 1.0, rel_tol=0.1)
    assert not passes(check_prediction, 2.0, 1.0, rel_tol=0.1)
    check_prediction(..., 1.0, rel_tol=0.1)
    assert "not filled in" in capsys.readouterr().out


def test_an_exception_without_text_is_named(capsys):
    def times_out() -> None:
        raise TimeoutError

    check_behaviour(times_out, trials=1)
    assert "trial 1: raised TimeoutError\n" in capsys.readouterr().out
