"""Tests of helpers.producer_consumer: every item produced is consumed exactly once and every
pipeline stops, on threads, processes and asyncio tasks, for random shapes and delays."""

import asyncio
import multiprocessing
import queue
import threading

import matplotlib.axes
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import producer_consumer as pc

START_METHODS = multiprocessing.get_all_start_methods()

# Pipeline shapes: producers, consumers, items, queue bound (0 = unbounded), mean delays, seed.
SHAPES = {
    "producers": st.integers(1, 4),
    "consumers": st.integers(1, 4),
    "items": st.integers(0, 30),
    "maxsize": st.integers(0, 6),
    "make_seconds": st.sampled_from([0.0, 0.0005, 0.002]),
    "work_seconds": st.sampled_from([0.0, 0.0005, 0.002]),
    "seed": st.integers(0, 10_000),
}
QUICK = settings(max_examples=80, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])


def assert_correct(result, items, producers):
    assert result.stopped, "a worker was still running after the timeout"
    assert result.all_done, "join() did not see every item task_done()"
    assert len(result.produced) == items
    assert sorted(result.produced) == sorted(
        (i, n) for i, count in enumerate(pc.split_items(items, producers)) for n in range(count))
    assert result.exactly_once, (result.missing, result.duplicates)
    assert result.missing == [] and result.duplicates == []
    if result.maxsize and result.kind != "processes":  # processes: length is rebuilt, approx.
        assert result.max_length <= result.maxsize


# ---- property tests: the three pipelines ----

@pytest.mark.timeout(60)
@QUICK
@given(**SHAPES)
def test_threads_consume_every_item_exactly_once(producers, consumers, items, maxsize,
                                                 make_seconds, work_seconds, seed):
    result = pc.run_threads(producers, consumers, items, maxsize, make_seconds=make_seconds,
                            work_seconds=work_seconds, seed=seed, timeout=10)
    assert_correct(result, items, producers)
    assert result.failed == ()


@pytest.mark.timeout(60)
@QUICK
@given(**SHAPES)
def test_asyncio_consumes_every_item_exactly_once(producers, consumers, items, maxsize,
                                                  make_seconds, work_seconds, seed):
    result = asyncio.run(pc.run_async(producers, consumers, items, maxsize,
                                      make_seconds=make_seconds, work_seconds=work_seconds,
                                      seed=seed, timeout=10))
    assert_correct(result, items, producers)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("method", START_METHODS)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**SHAPES)
def test_processes_consume_every_item_exactly_once(method, producers, consumers, items,
                                                   maxsize, make_seconds, work_seconds, seed):
    result = pc.run_processes(producers, consumers, items, maxsize, make_seconds=make_seconds,
                              work_seconds=work_seconds, seed=seed, timeout=20,
                              context=multiprocessing.get_context(method))
    assert_correct(result, items, producers)


@pytest.mark.timeout(60)
@settings(max_examples=25, deadline=None)
@given(consumers=st.integers(1, 3), items=st.integers(1, 20), maxsize=st.integers(0, 4),
       data=st.data())
def test_a_failing_item_is_reported_once_and_the_pipeline_still_stops(consumers, items, maxsize,
                                                                      data):
    bad = (0, data.draw(st.integers(0, pc.split_items(items, 2)[0] - 1)))
    for result in (pc.run_threads(2, consumers, items, maxsize, fail_on=bad, timeout=10),
                   asyncio.run(pc.run_async(2, consumers, items, maxsize, fail_on=bad))):
        assert result.stopped and result.all_done and result.exactly_once
        assert [item for item, _ in result.failed] == [bad]
        assert "ValueError" in result.failed[0][1]
        assert bad not in result.consumed and len(result.consumed) == items - 1


@pytest.mark.timeout(60)
def test_a_failing_item_in_a_process_is_reported():
    result = pc.run_processes(2, 2, 12, 3, fail_on=(1, 2), timeout=20)
    assert result.stopped and result.exactly_once
    assert [item for item, _ in result.failed] == [(1, 2)]


@pytest.mark.timeout(30)
def test_a_careless_consumer_that_dies_leaves_join_unfinished_but_returns():
    hook_calls = []
    old_hook = threading.excepthook
    threading.excepthook = hook_calls.append  # keep the dying thread's traceback quiet
    try:
        result = pc.run_threads(1, 2, 10, 3, fail_on=(0, 4), careful=False, timeout=0.5)
    finally:
        threading.excepthook = old_hook
    assert len(hook_calls) == 1 and hook_calls[0].exc_type is ValueError
    assert not result.all_done and result.missing == [(0, 4)] and not result.exactly_once
    assert result.stopped  # the surviving consumer still took its STOP


# ---- the article's basket ----

def test_the_basket_without_a_gap_loses_nothing_and_stops():
    run = pc.article_basket(2, 2, 5, seconds=0.05)
    assert run.stopped and run.lost == 0 and run.made == run.eaten + run.left


def test_a_gap_between_check_and_act_overfills_the_basket():
    run = pc.article_basket(5, 3, 10, seconds=0.2, gap=0)
    assert run.stopped and run.lost == 0
    assert run.overfills > 0 and run.max_length > 10


def test_a_gap_between_check_and_act_pops_empty_baskets():
    run = pc.article_basket(3, 5, 10, seconds=0.2, gap=0)
    assert run.stopped and run.lost == 0 and run.empty_pops > 0


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"cooks": 0}, ValueError, "cooks must be >= 1"),
    ({"eaters": 1.5}, TypeError, "eaters must be an int"),
    ({"limit": 0}, ValueError, "limit must be >= 1"),
    ({"seconds": -1}, ValueError, "seconds must be a finite number >= 0"),
    ({"gap": "0"}, TypeError, "gap must be a number of seconds"),
])
def test_article_basket_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        pc.article_basket(**kwargs)


# ---- small functions ----

@given(items=st.integers(0, 200), producers=st.integers(1, 20))
def test_split_items_shares_evenly(items, producers):
    shares = pc.split_items(items, producers)
    assert sum(shares) == items and len(shares) == producers
    assert max(shares) - min(shares) <= 1


def test_split_items_rejects_bad_input():
    with pytest.raises(ValueError, match="producers must be >= 1"):
        pc.split_items(3, 0)
    with pytest.raises(TypeError, match="items must be an int"):
        pc.split_items("3", 1)


@given(seconds=st.floats(0, 1), seed=st.integers(0, 100))
def test_random_delays_stay_within_twice_the_mean(seconds, seed):
    delay = pc.delays(seconds, seed, "consumer", 0)
    assert all(0 <= delay() <= 2 * seconds for _ in range(20))


def test_delays_rejects_negative_seconds():
    with pytest.raises(ValueError, match="seconds must be a finite number >= 0"):
        pc.delays(-1, None, "producer", 0)


def test_handle_fails_only_on_its_item():
    assert pc.handle((1, 2), fail_on=(1, 3)) == (1, 2)
    with pytest.raises(ValueError, match=r"cannot handle item \(1, 3\)"):
        pc.handle((1, 3), fail_on=(1, 3))


def test_join_queue_times_out_then_succeeds():
    q = queue.Queue()
    q.put("x")
    assert pc.join_queue(q, 0.01) is False
    q.get()
    q.task_done()
    assert pc.join_queue(q, 0.01) is True


def test_join_queue_works_on_a_joinable_queue():
    q = multiprocessing.get_context("spawn").JoinableQueue()
    assert pc.join_queue(q, 1.0) is True
    q.close()


def test_join_queue_rejects_what_is_not_a_queue():
    with pytest.raises(TypeError, match="expected a queue with task_done"):
        pc.join_queue([], 0.1)
    with pytest.raises(ValueError, match="timeout must be a finite number >= 0"):
        pc.join_queue(queue.Queue(), -1)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"producers": 0}, ValueError, "producers must be >= 1"),
    ({"consumers": True}, TypeError, "consumers must be an int, got bool"),
    ({"items": -1}, ValueError, "items must be >= 0"),
    ({"maxsize": -1}, ValueError, "maxsize must be >= 0"),
    ({"work_seconds": -0.1}, ValueError, "work_seconds must be a finite number >= 0"),
    ({"make_seconds": None}, TypeError, "make_seconds must be a number of seconds"),
    ({"timeout": 0}, ValueError, "timeout must be a finite number > 0"),
    ({"seed": -3}, ValueError, "seed must be >= 0"),
    ({"fail_on": 3}, TypeError, "fail_on must be an item"),
])
def test_pipelines_reject_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        pc.run_threads(**kwargs)
    with pytest.raises(error, match=message):
        pc.run_processes(**kwargs)
    with pytest.raises(error, match=message):
        asyncio.run(pc.run_async(**kwargs))


def test_run_processes_rejects_a_bad_context():
    with pytest.raises(TypeError, match="context must be a multiprocessing context"):
        pc.run_processes(context="spawn")


def test_ideal_throughput_is_the_slower_stage():
    assert pc.ideal_throughput(4, 0.02) == pytest.approx(200)
    assert pc.ideal_throughput(4, 0.02, 1, 0.01) == pytest.approx(100)
    assert pc.ideal_throughput(1, 0.5, 3, 0.5) == pytest.approx(2)


def test_ideal_throughput_rejects_zero_work():
    with pytest.raises(ValueError, match="work_seconds must be a finite number > 0"):
        pc.ideal_throughput(2, 0)


def test_exactly_once_counts():
    assert pc.exactly_once([(0, 0)], [(0, 0)])
    assert not pc.exactly_once([(0, 0), (0, 1)], [(0, 0)])
    assert not pc.exactly_once([(0, 0)], [(0, 0), (0, 0)])
    with pytest.raises(TypeError, match="sequences of items"):
        pc.exactly_once(None, [])


def test_result_properties():
    result = pc.run_threads(1, 1, 5, 2, work_seconds=0.001)
    assert result.throughput > 0 and result.max_length <= 2
    assert "exactly once: True" in result.summary()


def test_plot_pipeline_draws_and_validates():
    result = pc.run_threads(1, 2, 6, 2, work_seconds=0.001)
    ax = pc.plot_pipeline(result, "a pipeline")
    assert isinstance(ax, matplotlib.axes.Axes) and ax.get_title() == "a pipeline"
    with pytest.raises(TypeError, match="expected a PipelineResult"):
        pc.plot_pipeline("result", "t")
    with pytest.raises(ValueError, match="no spans"):
        pc.plot_pipeline(pc.run_threads(1, 1, 0, 1), "t")


# ---- exercise checkers ----

def good_consumer(q, eaten):
    while True:
        item = q.get(timeout=5)
        if item is pc.STOP:
            q.task_done()
            return
        eaten.append(item)
        q.task_done()


def consumer_without_task_done(q, eaten):
    while (item := q.get(timeout=5)) is not pc.STOP:
        eaten.append(item)


def consumer_that_never_stops(q, eaten):
    while True:
        try:
            item = q.get(timeout=0.05)
        except queue.Empty:
            if len(eaten) >= 30:
                return
            continue
        if item is not pc.STOP:
            eaten.append(item)
        q.task_done()


def stub(q, eaten):
    ...


@pytest.mark.parametrize(("consumer", "expected", "says"), [
    (good_consumer, True, "exactly once"),
    (consumer_without_task_done, False, "without task_done"),
    (stub, False, "queue stayed full"),
])
def test_check_consumer(consumer, expected, says, capsys):
    assert pc.check_consumer(consumer, timeout=0.5) is expected
    assert says in capsys.readouterr().out


def test_check_consumer_rejects_a_non_function():
    with pytest.raises(TypeError, match="pass your function itself"):
        pc.check_consumer(42)


def test_check_throughput_prediction(capsys):
    assert pc.check_throughput_prediction(
        lambda c, w, p, m: min(c / w, p / m)) is True
    assert pc.check_throughput_prediction(lambda c, w, p, m: c / w) is False
    assert "slower one sets the pace" in capsys.readouterr().out
    assert pc.check_throughput_prediction(lambda c, w, p, m: None) is False
    assert "returns None" in capsys.readouterr().out
    assert pc.check_throughput_prediction(lambda c, w, p, m: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out
    with pytest.raises(TypeError, match="pass your function itself"):
        pc.check_throughput_prediction(3)
