"""Unit tests of helpers.events: counters and the race, semaphore spans, locks, checkers."""

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import events
from helpers.tracing import Recorder, Span

ADDERS = [events.add_plain, events.tally_with_get, events.add_with_gap, events.add_locked,
          events.add_plain_locked]


# ---- counters ----

@pytest.mark.parametrize("add", ADDERS)
@given(n=st.integers(0, 200))
@settings(max_examples=15, deadline=None)
def test_every_adder_is_exact_on_one_thread(add, n):
    counter = events.Counter()
    add(counter, n)
    assert counter.total == n


@pytest.mark.parametrize("add", ADDERS)
@pytest.mark.parametrize(("counter", "n", "error", "message"), [
    (None, 1, TypeError, "counter must be an events.Counter"),
    ("counter", "1", TypeError, "n must be an int"),
    ("counter", 1.5, TypeError, "n must be an int"),
    ("counter", True, TypeError, "n must be an int"),
    ("counter", -1, ValueError, "n must be >= 0"),
])
def test_adders_validate_their_arguments(add, counter, n, error, message):
    target = events.Counter() if counter == "counter" else counter
    with pytest.raises(error, match=message):
        add(target, n)


def test_counter_reset_and_total():
    counter = events.Counter()
    counter.value, counter.counts["x"] = 3, 4
    assert counter.total == 7
    counter.reset()
    assert counter.total == 0 and counter.counts == {}


@pytest.mark.timeout(60)
def test_the_locked_adders_lose_nothing_on_many_threads():
    for add in (events.add_locked, events.add_plain_locked):
        result = events.hammer(add, events.Counter(), threads=4, per_thread=500)
        assert result.lost == 0 and result.counted == result.expected == 2000


@pytest.mark.timeout(60)
def test_the_gap_makes_the_race_visible():
    result = events.hammer(events.add_with_gap, events.Counter(), threads=4, per_thread=500)
    assert 0 < result.lost < result.expected


@given(threads=st.integers(1, 4), per_thread=st.integers(0, 50))
@settings(max_examples=15, deadline=None)
def test_hammer_expects_threads_times_per_thread(threads, per_thread):
    result = events.hammer(events.add_locked, events.Counter(), threads=threads,
                           per_thread=per_thread)
    assert result.expected == threads * per_thread == result.counted
    assert result.seconds >= 0


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"add": 3}, TypeError), ({"threads": 0}, ValueError), ({"threads": "2"}, ValueError),
    ({"per_thread": -1}, ValueError)])
def test_hammer_validates(kwargs, error):
    arguments = {"add": events.add_plain, "threads": 2, "per_thread": 1, **kwargs}
    add = arguments.pop("add")
    with pytest.raises(error):
        events.hammer(add, events.Counter(), **arguments)


@pytest.mark.timeout(30)
def test_hammer_raises_when_a_thread_does_not_finish():
    release = threading.Event()
    try:
        with pytest.raises(TimeoutError, match="still running"):
            events.hammer(lambda counter, n: release.wait(5), events.Counter(), threads=1,
                          per_thread=1, timeout=0.2)
    finally:
        release.set()


# ---- concurrency over time ----

spans_strategy = st.lists(
    st.tuples(st.integers(0, 100), st.integers(0, 50)).map(
        lambda pair: Span("w", 0, float(pair[0]), float(pair[0] + pair[1]))),
    max_size=20)


@given(spans=spans_strategy)
def test_peak_concurrency_matches_a_brute_force_count(spans):
    moments = {s.start for s in spans}
    brute = max((sum(s.start <= t < s.end for s in spans) for t in moments), default=0)
    assert events.peak_concurrency(spans) == brute


@given(spans=spans_strategy)
def test_concurrency_steps_start_and_end_at_zero(spans):
    times, counts = events.concurrency_over_time(spans)
    assert len(times) == len(counts)
    assert list(times) == sorted(set(times))
    if spans:
        assert counts[-1] == 0 and times[0] == min(s.start for s in spans)
        assert (counts >= 0).all()


def test_concurrency_rejects_non_spans():
    with pytest.raises(TypeError, match="Span"):
        events.concurrency_over_time([(0, 1)])


@pytest.mark.timeout(30)
def test_bounded_task_never_exceeds_the_limit():
    limit, recorder = threading.Semaphore(2), Recorder()
    workers = [threading.Thread(target=events.bounded_task, args=(limit, recorder, i, 0.02))
               for i in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=10)
    assert len(recorder.spans) == 6 and events.peak_concurrency(recorder.spans) <= 2


@pytest.mark.parametrize(("limit", "recorder", "seconds", "error"), [
    (None, Recorder(), 0, TypeError), (threading.Semaphore(1), [], 0, TypeError),
    (threading.Semaphore(1), Recorder(), -1, ValueError)])
def test_bounded_task_validates(limit, recorder, seconds, error):
    with pytest.raises(error):
        events.bounded_task(limit, recorder, 0, seconds)


# ---- locks ----

@pytest.mark.timeout(30)
def test_take_two_in_opposite_orders_times_out_and_releases():
    a, b = threading.Lock(), threading.Lock()
    ready, outcome = threading.Barrier(2), {}
    pair = [threading.Thread(target=lambda n, x, y: outcome.__setitem__(
        n, events.take_two(x, y, ready=ready, timeout=0.3)), args=args)
        for args in (("ab", a, b), ("ba", b, a))]
    for t in pair:
        t.start()
    for t in pair:
        t.join(timeout=5)
    assert False in outcome.values() and not a.locked() and not b.locked()


def test_take_two_fails_when_the_first_lock_is_held():
    a, b = threading.Lock(), threading.Lock()
    with a:
        assert events.take_two(a, b, timeout=0.05) is False
    assert not b.locked()


@pytest.mark.parametrize(("first", "timeout", "ready", "error"), [
    (threading.Lock(), 0, None, ValueError), (threading.Lock(), "1", None, ValueError),
    ("lock", 1, None, TypeError), (threading.Lock(), 1, object(), TypeError)])
def test_take_two_validates(first, timeout, ready, error):
    with pytest.raises(error):
        events.take_two(first, threading.Lock(), timeout=timeout, ready=ready)


@given(n=st.integers(1, 6), data=st.data())
def test_in_global_order_ignores_the_argument_order(n, data):
    locks = [threading.Lock() for _ in range(n)]
    shuffled = data.draw(st.permutations(locks))
    assert [id(x) for x in events.in_global_order(*locks)] == [
        id(x) for x in events.in_global_order(*shuffled)]


def test_in_global_order_needs_a_lock():
    with pytest.raises(TypeError, match="at least one lock"):
        events.in_global_order()


# ---- exercise checkers ----

def safe(counter):
    with counter.lock:
        value = counter.value
        events.yield_gil()
        counter.value = value + 1


def unsafe(counter):
    value = counter.value
    events.yield_gil()
    counter.value = value + 1


@pytest.mark.timeout(60)
def test_check_safe_increment(capsys):
    assert events.check_safe_increment(safe) is True
    assert events.check_safe_increment(unsafe) is False
    assert "were lost" in capsys.readouterr().out
    assert events.check_safe_increment(lambda counter: None) is False
    assert events.check_safe_increment(lambda counter: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out
    with pytest.raises(TypeError, match="pass your function itself"):
        events.check_safe_increment("increment")


@pytest.mark.timeout(60)
def test_check_lock_order(capsys):
    assert events.check_lock_order(lambda a, b: sorted((a, b), key=id)) is True
    assert events.check_lock_order(lambda a, b: (a, b)) is False
    assert "differ" in capsys.readouterr().out
    assert events.check_lock_order(lambda a, b: (a, a)) is False
    assert "once each" in capsys.readouterr().out
    assert events.check_lock_order(lambda a, b: None) is False
    with pytest.raises(TypeError, match="pass your function itself"):
        events.check_lock_order(3)
