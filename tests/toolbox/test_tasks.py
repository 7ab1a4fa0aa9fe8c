"""Unit tests of helpers.tasks: the article's tasks that 02, 14, 15 and the bench share."""

import math
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import tasks

BURNERS = [tasks.burn_cpu, tasks.burn_cpu_math, tasks.burn_cpu_vectorised]


def test_wait_io_returns_its_task_number():
    assert tasks.wait_io((7, 0.001)) == 7
    assert tasks.wait_io((3, 0)) == 3


def test_burn_cpu_of_three_terms():
    # log 1 + log 2 + log 3 + 0**1.1 + 1**1.1 + 2**1.1
    assert tasks.burn_cpu((0, 3)) == pytest.approx(4.935306, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=3000))
def test_the_three_burn_cpu_variants_agree(terms):
    expected = tasks.burn_cpu((0, terms))
    for burn in BURNERS[1:]:
        assert math.isclose(burn((0, terms)), expected, rel_tol=1e-12)


def test_burn_cpu_timed_reports_the_value_its_cpu_time_and_its_pid():
    value, cpu, pid = tasks.burn_cpu_timed((0, 20_000))
    assert value == tasks.burn_cpu((0, 20_000))
    assert 0 < cpu < 5 and pid == os.getpid()


def test_costly_task_waits_for_io_tasks():
    assert tasks.costly_task((0, "io_costly")) == 0.0


def test_costly_task_burns_for_cpu_tasks():
    assert tasks.costly_task((1, "cpu_costly")) == tasks.burn_cpu((1, tasks.CPU_TERMS))


def test_costly_task_rejects_an_unknown_task_type():
    with pytest.raises(ValueError, match="unknown task_type 'gpu_costly'"):
        tasks.costly_task((0, "gpu_costly"))
