"""Unit tests of helpers.timing: Timer, measure, Measurement, format_seconds."""

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.timing import Measurement, Timer, format_seconds, measure

UNITS = (" µs", " ms", " s")


# ---- Timer ----

def test_timer_measures_a_sleep():
    with Timer() as timer:
        time.sleep(0.05)
    assert 0.05 <= timer.elapsed < 1


def test_timer_elapsed_is_none_until_the_block_ends():
    with Timer() as timer:
        assert timer.elapsed is None
    assert timer.elapsed >= 0


def test_timer_records_elapsed_when_the_block_raises():
    timer = Timer()
    with pytest.raises(KeyError), timer:
        raise KeyError("boom")
    assert timer.elapsed >= 0


# ---- measure ----

def test_measure_counts_warmup_and_repeat_calls():
    calls = []
    m = measure(lambda: calls.append(1), repeat=4, warmup=2)
    assert len(calls) == 6
    assert len(m.times) == 4


def test_measure_returns_the_last_result():
    counter = iter(range(100))
    assert measure(lambda: next(counter), repeat=3, warmup=1).result == 3


def test_measure_times_are_non_negative():
    assert all(t >= 0 for t in measure(lambda: sum(range(100)), repeat=3).times)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"repeat": 0}, ValueError, "repeat must be >= 1, got 0"),
    ({"warmup": -1}, ValueError, "warmup must be >= 0, got -1"),
    ({"repeat": 2.0}, TypeError, "repeat must be an int, got float"),
    ({"repeat": True}, TypeError, "repeat must be an int, got bool"),
    ({"warmup": False}, TypeError, "warmup must be an int, got bool"),
    ({"warmup": "1"}, TypeError, "warmup must be an int, got str"),
])
def test_measure_rejects_bad_counts(kwargs, error, message):
    with pytest.raises(error, match=message):
        measure(lambda: None, **kwargs)


def test_measure_rejects_a_non_callable():
    with pytest.raises(TypeError, match="func must be callable, got int"):
        measure(42)


# ---- Measurement ----

times_strategy = st.lists(st.floats(0, 1e6), min_size=1, max_size=20).map(tuple)


@given(times_strategy)
def test_measurement_median_is_between_min_and_max(times):
    m = Measurement(times)
    assert m.min <= m.median <= m.max


@given(times_strategy)
def test_measurement_spread_is_non_negative(times):
    assert Measurement(times).spread >= 0


def test_measurement_spread_is_relative_to_the_median():
    assert Measurement((0.9, 1.0, 1.1)).spread == pytest.approx(0.2)


def test_measurement_spread_of_zero_median_is_zero():
    assert Measurement((0.0, 0.0, 0.0)).spread == 0.0


def test_measurement_str_gives_median_min_max_and_runs():
    assert str(Measurement((0.25, 0.5, 3.5))) == "median 500 ms (min 250 ms, max 3.50 s, 3 runs)"


# ---- format_seconds ----

@given(st.floats(min_value=0, allow_nan=False))
def test_format_seconds_ends_in_a_unit(seconds):
    assert format_seconds(seconds).endswith(UNITS)


@given(st.integers(0, 10**6))
def test_format_seconds_accepts_ints(seconds):
    assert format_seconds(seconds).endswith(UNITS)


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0 µs"), (0.000_012_3, "12.3 µs"), (0.001, "1 ms"), (0.25, "250 ms"), (1, "1.00 s"),
    (3.5, "3.50 s"), (125.0, "125.00 s"),
])
def test_format_seconds_picks_the_unit(seconds, text):
    assert format_seconds(seconds) == text


@pytest.mark.parametrize("seconds", [0.000_999_6, 0.999_6])
def test_format_seconds_never_writes_an_exponent_near_a_unit_boundary(seconds):
    assert "e+" not in format_seconds(seconds)


@pytest.mark.parametrize(("value", "error", "message"), [
    (-0.1, ValueError, "seconds must be >= 0, got -0.1"),
    ("1", TypeError, "seconds must be a number, got str"),
    (True, TypeError, "seconds must be a number, got bool"),
    (None, TypeError, "seconds must be a number, got NoneType"),
])
def test_format_seconds_rejects_bad_values(value, error, message):
    with pytest.raises(error, match=message):
        format_seconds(value)


def test_interleaved_runs_in_turns_and_keeps_results():
    from helpers.timing import interleaved

    order = []
    runs = interleaved({"a": lambda: order.append("a") or 1, "b": lambda: order.append("b") or 2},
                       repeat=3, warmup=1)
    assert order == ["a", "b"] * 4
    assert runs["a"].result == 1 and runs["b"].result == 2 and len(runs["b"].times) == 3
    with pytest.raises(TypeError, match="non-empty dict"):
        interleaved({})


def test_interleaved_can_rotate_the_order_from_round_to_round():
    from helpers.timing import interleaved

    order = []
    runs = interleaved({k: (lambda k=k: order.append(k) or k) for k in "abc"}, repeat=4,
                       warmup=0, rotate=True)
    assert "".join(order) == "abc" + "bca" + "cab" + "abc"
    assert [runs[k].result for k in "abc"] == list("abc") and len(runs["c"].times) == 4


def test_tree_cpu_counts_a_child_under_every_start_method():
    import multiprocessing

    from helpers.timing import TreeCpu

    for method in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context(method)
        with TreeCpu() as tree:
            child = context.Process(target=_spin, args=(0.6,))
            child.start()
            child.join(timeout=30)
        assert child.exitcode == 0
        assert tree.cpu_seconds >= 0.4, (method, tree.cpu_seconds)


def test_tree_cpu_of_sleep_is_near_zero():
    import time

    from helpers.timing import TreeCpu

    with TreeCpu() as tree:
        time.sleep(0.3)
    assert tree.cpus_busy < 0.3 and tree.wall_seconds >= 0.3


def test_thread_cpu_finds_the_busy_thread_and_not_a_sleeping_one():
    import threading

    from helpers.timing import ThreadCpu

    spun, done = threading.Event(), threading.Event()

    def spin_then_wait():
        _spin(0.3)
        spun.set()
        done.wait(30)  # alive at the block's end: a thread that has ended is not listed

    with ThreadCpu() as split:
        sleeper = threading.Thread(target=done.wait, args=(30,))
        spinner = threading.Thread(target=spin_then_wait)
        sleeper.start()
        spinner.start()
        assert spun.wait(30)
    done.set()
    sleeper.join()
    spinner.join()
    assert split.seconds == sorted(split.seconds, reverse=True)
    assert 0.25 <= split.seconds[0] <= 0.6, split.seconds  # the spinner, in 10 ms ticks
    assert sum(split.seconds) < split.seconds[0] + 0.1, split.seconds  # no one else worked


def _spin(seconds):
    import time
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
