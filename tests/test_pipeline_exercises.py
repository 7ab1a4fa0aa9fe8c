"""Tests of notebook 05's exercise cases: the repaired consumer passes the behaviour check,
every broken one is caught (without hanging), and the queue choices are complete."""

import contextlib
import queue
import time

import pytest

from helpers.exercises import check_behaviour, choose_labels, passes
from helpers.pipeline import STOP
from helpers.pipeline_exercises import (
    BAD_NUMBERS,
    QUEUE_CHOICES,
    QUEUE_WHY,
    consumer_trial,
    risky_work,
)


def repaired(q, done, failed):
    while (item := q.get(timeout=2)) is not STOP:
        try:
            done.append(risky_work(item))
        except ValueError:
            failed.append(item)
        finally:
            q.task_done()
    q.task_done()


def as_given(q, done, failed):  # the notebook's stub: dies on a bad item
    while True:
        item = q.get(timeout=2)
        if item is STOP:
            return
        done.append(risky_work(item))
        q.task_done()


def forgets_the_stop(q, done, failed):
    while (item := q.get(timeout=2)) is not STOP:
        try:
            done.append(risky_work(item))
        except ValueError:
            failed.append(item)
        q.task_done()


def loses_failures(q, done, failed):
    while (item := q.get(timeout=2)) is not STOP:
        with contextlib.suppress(ValueError):  # the failure is swallowed, not reported
            done.append(risky_work(item))
        q.task_done()
    q.task_done()


def never_stops(q, done, failed):
    while True:
        try:
            item = q.get(timeout=0.05)
        except queue.Empty:
            continue
        if item is not STOP:
            try:
                done.append(risky_work(item))
            except ValueError:
                failed.append(item)
        q.task_done()


def stuck(q, done, failed):  # takes nothing: the trial's own timeouts end it
    time.sleep(3)


def test_risky_work_raises_only_for_the_bad_numbers():
    assert risky_work((0, 0)) == (0, 0)
    for number in BAD_NUMBERS:
        with pytest.raises(ValueError, match="cannot handle"):
            risky_work((0, number))


@pytest.mark.timeout(60)
def test_the_repaired_consumer_passes(capsys):
    assert passes(check_behaviour, consumer_trial(repaired), trials=10, timeout=5)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("consumer", "says"), [
    (as_given, "every consumer died"),
    (forgets_the_stop, "STOP was taken without task_done"),
    (loses_failures, "`failed` should hold the items that raised"),
    (never_stops, "did not stop at its STOP"),
    (stuck, "no consumer takes items"),
])
def test_each_broken_consumer_is_caught(consumer, says, capsys):
    check_behaviour(consumer_trial(consumer), trials=2, timeout=4)
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and says in out


def test_consumer_trial_wants_a_function():
    with pytest.raises(TypeError, match="consumer must be a function"):
        consumer_trial(42)


def test_queue_choices_have_a_reason_each_and_the_solution_passes(capsys):
    assert set(QUEUE_CHOICES) == set(QUEUE_WHY)
    assert set(QUEUE_CHOICES.values()) == {"queue.Queue", "multiprocessing.JoinableQueue",
                                           "asyncio.Queue"}
    assert passes(choose_labels, dict(QUEUE_CHOICES), QUEUE_CHOICES, why=QUEUE_WHY)
    wrong = {**QUEUE_CHOICES, next(iter(QUEUE_CHOICES)): "queue.Queue"}
    assert not passes(choose_labels, wrong, QUEUE_CHOICES, why=QUEUE_WHY)
    assert "GIL" in capsys.readouterr().out
