"""Unit tests of helpers.models: rounds, makespan, ideal speedup, Amdahl."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.models import amdahl, ideal_speedup, makespan, rounds


@given(st.integers(0, 500), st.integers(1, 64))
def test_rounds_is_enough_and_no_more(tasks, workers):
    r = rounds(tasks, workers)
    assert r * workers >= tasks and (r - 1) * workers < max(tasks, 1)


def test_makespan_and_ideal():
    assert makespan(10, 2, 0.2) == pytest.approx(1.0)
    assert makespan(10, 10, 0.2) == pytest.approx(0.2)
    assert ideal_speedup(workers=8, tasks=3, cpus=4) == 3
    with pytest.raises(ValueError):
        ideal_speedup(workers=0, tasks=3, cpus=4)


def test_ideal_speedup_reads_a_measured_capacity():
    assert ideal_speedup(workers=2, tasks=10, cpus=1.3) == pytest.approx(1.3)
    assert ideal_speedup(workers=1, tasks=10, cpus=1.3) == 1
    with pytest.raises(ValueError, match="cpus must be > 0"):
        ideal_speedup(workers=2, tasks=10, cpus=0.0)
    with pytest.raises(TypeError, match="cpus must be a number"):
        ideal_speedup(workers=2, tasks=10, cpus="2")


def test_amdahl_limits():
    assert amdahl(1.0, 8) == pytest.approx(8)
    assert amdahl(0.0, 8) == pytest.approx(1)
    assert math.isclose(amdahl(0.5, 10**6), 2, rel_tol=1e-5)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        amdahl(1.5, 2)
