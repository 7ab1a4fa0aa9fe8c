"""Tests of notebook 05's helpers: the record of a run (experiment), the process targets
(workers), under every start method and for random shapes and delays, and the exercise cases
(answers): the repaired consumer passes, every broken one is caught without hanging."""

import contextlib
import multiprocessing
import queue
import time

import matplotlib.axes
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.exercises import check_behaviour, choose_labels, passes
from helpers.producer_consumer import workers
from helpers.producer_consumer.answers import (
    BAD_NUMBERS,
    QUEUE_CHOICES,
    QUEUE_WHY,
    consumer_trial,
    risky_work,
)
from helpers.producer_consumer.experiment import (
    PipelineLog,
    ideal_throughput,
    join_queue,
    split_items,
)
from helpers.producer_consumer.figures import plot_pipeline
from helpers.producer_consumer.workers import STOP, delays, handle

START_METHODS = multiprocessing.get_all_start_methods()


def run_processes(context, producers, consumers, items, maxsize, *, make=0.0, work=0.0,
                  seed=None, fail_on=None, patience=20.0):
    """The notebook's process orchestration: read every report before joining."""
    q, reports = context.JoinableQueue(maxsize), context.Queue()
    log = PipelineLog("processes", maxsize)
    eaters = [context.Process(target=workers.process_consumer, daemon=True,
                              args=(q, reports, j, work, seed, fail_on))
              for j in range(consumers)]
    makers = [context.Process(target=workers.process_producer, daemon=True,
                              args=(q, reports, i, n, make, seed))
              for i, n in enumerate(split_items(items, producers))]
    for process in eaters + makers:
        process.start()
    try:
        log.add_reports([reports.get(timeout=patience) for _ in range(2 * items)])
        all_done = join_queue(q, timeout=patience)
        for _ in eaters:
            q.put(STOP, timeout=patience)
        for process in makers + eaters:
            process.join(timeout=patience)
        stopped = not any(process.is_alive() for process in makers + eaters)
    finally:
        for process in makers + eaters:
            if process.is_alive():
                process.terminate()
    return log.finish(stopped=stopped, all_done=all_done)


# ---- the process targets ----

@pytest.mark.timeout(120)
@pytest.mark.parametrize("method", START_METHODS)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(producers=st.integers(1, 3), consumers=st.integers(1, 3), items=st.integers(0, 25),
       maxsize=st.integers(0, 5), make=st.sampled_from([0.0, 0.001]),
       work=st.sampled_from([0.0, 0.001]), seed=st.integers(0, 1000))
def test_process_workers_move_every_item_exactly_once(method, producers, consumers, items,
                                                      maxsize, make, work, seed):
    log = run_processes(multiprocessing.get_context(method), producers, consumers, items,
                        maxsize, make=make, work=work, seed=seed)
    assert log.stopped and log.all_done
    assert sorted(log.produced) == sorted(
        (i, n) for i, count in enumerate(split_items(items, producers)) for n in range(count))
    assert log.exactly_once and log.missing == [] and log.duplicates == []
    assert sorted(log.consumed) == sorted(log.produced) and log.failed == []


@pytest.mark.timeout(60)
def test_a_failing_item_in_a_process_is_reported_with_its_item():
    log = run_processes(multiprocessing.get_context("spawn"), 2, 2, 12, 3, fail_on=(1, 2))
    assert log.stopped and log.all_done and log.exactly_once
    assert [item for item, _ in log.failed] == [(1, 2)] and "ValueError" in log.failed[0][1]
    assert len(log.consumed) == 11


@pytest.mark.timeout(30)
def test_put_big_puts_its_bytes():
    context = multiprocessing.get_context("spawn")
    channel = context.Queue()
    child = context.Process(target=workers.put_big, args=(channel, 1000))
    child.start()
    assert channel.get(timeout=20) == b"x" * 1000
    child.join(timeout=10)
    assert child.exitcode == 0


# ---- the log ----

def test_log_counts_consumed_failed_missing_and_duplicates():
    log = PipelineLog("threads", 2, start=0.0)
    for number in range(4):
        log.made(0, (0, number), number, number + 0.5)
    log.handled(1, (0, 0), 1.0, 1.5)
    log.handled(1, (0, 1), 1.5, 2.0, error="ValueError('x')")
    log.handled(2, (0, 2), 2.0, 2.5)
    log.handled(2, (0, 2), 2.5, 3.0)
    assert log.missing == [(0, 3)] and log.duplicates == [(0, 2)]
    assert not log.exactly_once and log.failed == [((0, 1), "ValueError('x')")]
    assert {span.worker for span in log.spans} == {"producer 0", "consumer 1", "consumer 2"}


def test_log_exactly_once_and_finish():
    log = PipelineLog("asyncio", 0)
    log.made(0, (0, 0), log.start, log.start + 0.01)
    log.handled(0, (0, 0), log.start + 0.01, log.start + 0.02, None)
    assert log.finish(stopped=True, all_done=True) is log
    assert log.exactly_once and log.elapsed > 0 and log.throughput > 0
    assert "1 produced, 1 consumed, 0 failed, missing 0" in log.summary()


def test_log_queue_length_max_and_time_weighted_mean():
    log = PipelineLog("threads", 5, start=0.0)
    log.queue_length(1.0, 4)
    log.queue_length(3.0, 0)
    log.queue_length(4.0, 0)
    assert log.max_length == 4
    assert log.mean_length == pytest.approx(4 * 2 / 4)  # 0 for 1 s, 4 for 2 s, 0 for 1 s
    assert PipelineLog("threads", 1).mean_length == 0.0


def test_add_reports_rebuilds_the_queue_length_and_clamps_at_zero():
    log = PipelineLog("processes", 3, start=0.0)
    log.add_reports([("made", 0, (0, 0), 0.0, 0.1, 0.2), ("made", 0, (0, 1), 0.2, 0.3, 0.4),
                     ("got", 1, (0, 0), 0.15, 0.5, None),  # stamped before its put
                     ("got", 1, (0, 1), 0.5, 0.6, "ValueError('y')")])
    assert [n for _, n in log.lengths] == [0, 0, 1, 2, 1]
    assert log.consumed == [(0, 0)] and log.failed == [((0, 1), "ValueError('y')")]
    assert log.exactly_once


# ---- small functions ----

@given(items=st.integers(0, 200), producers=st.integers(1, 20))
def test_split_items_shares_evenly(items, producers):
    shares = split_items(items, producers)
    assert sum(shares) == items and len(shares) == producers
    assert max(shares) - min(shares) <= 1 and shares == sorted(shares, reverse=True)


def test_split_items_example_and_bad_input():
    assert split_items(10, 3) == [4, 3, 3]
    with pytest.raises(ValueError, match="producers must be >= 1"):
        split_items(3, 0)
    with pytest.raises(TypeError, match="items must be a whole number"):
        split_items("3", 1)


def test_fixed_delays_and_seeded_delays_repeat():
    fixed = delays(0.01, None, "producer", 0)
    assert (fixed(), fixed()) == (0.01, 0.01)
    a, b = delays(0.01, 7, "consumer", 1), delays(0.01, 7, "consumer", 1)
    assert [a() for _ in range(5)] == [b() for _ in range(5)]
    with pytest.raises(ValueError, match="seconds must be >= 0"):
        delays(-1, None, "producer", 0)


@given(seconds=st.floats(0, 1), seed=st.integers(0, 100))
def test_random_delays_stay_within_twice_the_mean(seconds, seed):
    delay = delays(seconds, seed, "consumer", 0)
    assert all(0 <= delay() <= 2 * seconds for _ in range(20))


def test_handle_fails_only_on_its_item():
    assert handle((1, 2), fail_on=(1, 3)) == (1, 2) and handle((0, 1)) == (0, 1)
    with pytest.raises(ValueError, match=r"cannot handle item \(1, 3\)"):
        handle([1, 3], fail_on=(1, 3))


def test_join_queue_times_out_then_succeeds():
    q = queue.Queue()
    q.put("x")
    assert join_queue(q, 0.01) is False
    q.get()
    q.task_done()
    assert join_queue(q, 0.01) is True


def test_join_queue_works_on_a_joinable_queue():
    q = multiprocessing.get_context("spawn").JoinableQueue()
    assert join_queue(q, 1.0) is True
    q.close()


def test_join_queue_rejects_what_is_not_a_queue():
    with pytest.raises(TypeError, match="expected a queue with task_done"):
        join_queue([], 0.1)
    with pytest.raises(ValueError, match="timeout must be >= 0"):
        join_queue(queue.Queue(), -1)


def test_ideal_throughput_is_the_slower_stage():
    assert ideal_throughput(4, 0.02) == pytest.approx(200)
    assert ideal_throughput(4, 0.02, 1, 0.01) == pytest.approx(100)
    assert ideal_throughput(4, 0.05, 2, 0.04) == pytest.approx(50)
    assert ideal_throughput(2, 0) == float("inf")
    with pytest.raises(ValueError, match="consumers must be >= 1"):
        ideal_throughput(0, 0.1)


# ---- the figure ----

def test_plot_pipeline_draws_and_validates():
    log = PipelineLog("threads", 2, start=0.0)
    for number in range(3):
        log.made(0, (0, number), number * 0.1, number * 0.1 + 0.05)
        log.queue_length(number * 0.1 + 0.05, 1)
        log.handled(0, (0, number), number * 0.1 + 0.05, number * 0.1 + 0.1)
    log.finish(stopped=True, all_done=True)
    ax = plot_pipeline(log, "a pipeline")
    assert isinstance(ax, matplotlib.axes.Axes) and ax.get_title() == "a pipeline"
    assert "0.1" in [text.get_text() for text in ax.texts]
    with pytest.raises(TypeError, match="expected a PipelineLog"):
        plot_pipeline("log", "t")
    with pytest.raises(ValueError, match="no spans"):
        plot_pipeline(PipelineLog("threads", 1), "t")


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
