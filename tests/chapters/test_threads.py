"""Unit tests of helpers.threads: notebook 04's process target (workers) and exercises (answers)."""

import queue
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import exercises
from helpers.machine import mp_context
from helpers.scripts import run_script
from helpers.threads import answers, workers

SCRIPTS = Path(__file__).resolve().parents[2] / "notebooks" / "scripts"


@given(start=st.lists(st.integers(), max_size=5), value=st.integers())
def test_append_and_report_puts_the_copy_on_the_queue(start, value):
    results, items = queue.Queue(), list(start)
    workers.append_and_report(items, value, results)
    assert results.get(timeout=1) == (value, [*start, value]) and items == [*start, value]


@pytest.mark.timeout(60)
def test_a_child_process_appends_to_its_own_copy():
    ctx = mp_context()
    results = ctx.Queue()
    parent = []
    child = ctx.Process(target=workers.append_and_report, args=(parent, 7, results))
    child.start()
    report = results.get(timeout=30)
    child.join(timeout=30)
    assert not child.is_alive() and child.exitcode == 0
    assert report == (7, [7]) and parent == []


# ---- exercise 1 ----

def test_still_running_reference_keeps_one_deadline():
    release = threading.Event()
    held = [threading.Thread(target=release.wait, args=(10,), name=f"h{i}") for i in range(5)]
    for t in held:
        t.start()
    start = time.perf_counter()
    try:
        assert answers.still_running_reference(held, 0.2) == {f"h{i}" for i in range(5)}
        assert time.perf_counter() - start < 0.8
    finally:
        release.set()
        for t in held:
            t.join(timeout=5)
    assert answers.still_running_reference(held, 0.1) == set()


def test_exercise_1_accepts_the_reference():
    assert exercises.passes(exercises.check_behaviour,
                            answers.still_running_trial(answers.still_running_reference),
                            trials=2, timeout=10)


def join_each(threads_, budget):  # the pattern the notebook's explorer shows: n x budget
    for t in threads_:
        t.join(timeout=budget)
    return {t.name for t in threads_ if t.is_alive()}


@pytest.mark.parametrize(("answer", "hint"), [
    (join_each, "each join should get only what is left"),
    (lambda threads_, budget: None, "returned None"),
    (lambda threads_, budget: {t.name for t in threads_}, "expected"),
    (lambda threads_, budget: 1 / 0, "ZeroDivisionError"),
])
def test_exercise_1_explains_wrong_answers(answer, hint, capsys):
    assert not exercises.passes(exercises.check_behaviour, answers.still_running_trial(answer),
                                trials=1, timeout=10)
    assert hint in capsys.readouterr().out


# ---- exercise 2 ----

def test_exit_cases_use_the_three_outcomes():
    assert set(answers.EXIT_CASES.values()) == set(answers.EXIT_OUTCOMES)
    assert set(answers.EXIT_WHY) == set(answers.EXIT_CASES)


@pytest.mark.timeout(60)
def test_the_atexit_stop_script_hangs_and_the_daemon_script_is_cut_off():
    hung = run_script(SCRIPTS / "04_atexit_stop.py", timeout=2)
    assert hung.timed_out and "end of script" in hung.stdout
    daemon = run_script(SCRIPTS / "04_daemon_exit.py", args=("daemon",), timeout=20)
    assert daemon.ok and "finally block ran" not in daemon.stdout
    normal = run_script(SCRIPTS / "04_daemon_exit.py", args=("normal",), timeout=20)
    assert normal.ok and normal.stdout.count("worker: step") == 10
