"""Unit tests of helpers.aio: coroutines, span arithmetic, the local server, clients, checkers."""

import asyncio
import math
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import aio
from helpers.tracing import Recorder, Span

START_METHODS = multiprocessing.get_all_start_methods()


# ---- small coroutines and workers ----

def test_nap_returns_its_task_and_records_a_span_of_its_task():
    recorder = Recorder()

    async def main():
        return await asyncio.create_task(aio.nap("x", 0.01, recorder), name="napper")

    assert asyncio.run(main()) == "x"
    (span,) = recorder.spans
    assert span.task == "x" and span.worker == "task napper" and span.duration >= 0.009


@pytest.mark.parametrize(("seconds", "error"), [(-1, ValueError), ("1", TypeError),
                                                (True, TypeError)])
def test_nap_rejects_bad_seconds(seconds, error):
    with pytest.raises(error, match="seconds must be"):
        asyncio.run(aio.nap(1, seconds))


def test_block_returns_task_and_thread_name():
    assert aio.block("t", 0) == ("t", threading.current_thread().name)
    with pytest.raises(ValueError, match="seconds must be >= 0"):
        aio.block("t", -0.5)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(0, 3000))
def test_cpu_work_matches_the_closed_form(n):
    assert aio.cpu_work(n) == aio.sum_of_squares(n) == sum(i * i for i in range(n))


@pytest.mark.parametrize("func", [aio.cpu_work, aio.sum_of_squares])
@pytest.mark.parametrize(("n", "error"), [(-1, ValueError), (2.0, TypeError), (True, TypeError)])
def test_cpu_work_rejects_bad_n(func, n, error):
    with pytest.raises(error, match="n must be"):
        func(n)


@pytest.mark.parametrize("method", START_METHODS)
def test_cpu_work_runs_in_a_process_pool_under_every_start_method(method):
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context(method)) as pool:
        futures = [pool.submit(aio.cpu_work, n) for n in (10, 1000)]
        assert [f.result(timeout=60) for f in futures] == [aio.sum_of_squares(10),
                                                          aio.sum_of_squares(1000)]


def test_heartbeat_ticks_until_cancelled():
    recorder = Recorder()

    async def main():
        beat = asyncio.create_task(aio.heartbeat(recorder, 0.005), name="beat")
        await asyncio.sleep(0.06)
        beat.cancel()
        await asyncio.gather(beat, return_exceptions=True)
        return beat.cancelled()

    assert asyncio.run(main())
    spans = recorder.spans
    assert len(spans) >= 3
    assert {s.worker for s in spans} == {"task beat"} and {s.task for s in spans} == {"tick"}


def test_heartbeat_rejects_bad_arguments():
    with pytest.raises(TypeError, match="Recorder"):
        asyncio.run(aio.heartbeat([], 0.01))
    with pytest.raises(ValueError, match="interval must be > 0"):
        asyncio.run(aio.heartbeat(Recorder(), 0))


# ---- reading spans ----

def test_concurrency_over_time_counts_overlaps():
    spans = [Span("a", 1, 0, 2), Span("b", 2, 1, 3), Span("c", 3, 2, 4)]
    times, counts = aio.concurrency_over_time(spans)
    assert times.tolist() == [0, 1, 2, 3, 4]
    assert counts.tolist() == [1, 2, 2, 1, 0]  # at 2, b runs and c replaces a
    assert aio.peak_concurrency(spans) == 2


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 10), st.floats(0, 5)), min_size=1, max_size=30))
def test_peak_concurrency_agrees_with_brute_force(pairs):
    spans = [Span("w", i, start, start + length) for i, (start, length) in enumerate(pairs)]
    # brute force: spans are half-open [start, end), so count just at each start
    expected = max((sum(other.start <= span.start < other.end for other in spans)
                    for span in spans if span.duration > 0), default=0)
    assert aio.peak_concurrency(spans) == expected
    assert aio.concurrency_over_time(spans)[1][-1] == 0  # everything ends


def test_concurrency_rejects_bad_input():
    times, counts = aio.concurrency_over_time([])
    assert times.size == counts.size == 0 and aio.peak_concurrency([]) == 0
    with pytest.raises(TypeError, match="Span"):
        aio.peak_concurrency([(0, 1)])


def test_longest_picks_the_longest_span_of_a_task():
    spans = [Span("h", "tick", 0, 0.01), Span("h", "tick", 0.01, 0.3), Span("w", 1, 0, 5)]
    assert aio.longest(spans) == pytest.approx(0.29)
    assert aio.longest(spans, task=1) == 5
    with pytest.raises(ValueError, match="no span of task 'tock'"):
        aio.longest(spans, task="tock")


# ---- models ----

@settings(max_examples=100, deadline=None)
@given(requests=st.integers(1, 10_000), limit=st.integers(1, 1000),
       seconds=st.floats(0, 10, allow_nan=False))
def test_rounds_time_is_full_rounds(requests, limit, seconds):
    got = aio.rounds_time(requests, limit, seconds)
    assert got == math.ceil(requests / limit) * seconds
    assert got >= requests * seconds / limit - 1e-9  # never better than perfect sharing


@pytest.mark.parametrize(("args", "error", "message"), [
    ((0, 1, 0.1), ValueError, "requests must be >= 1"),
    ((1, 0, 0.1), ValueError, "limit must be >= 1"),
    ((1, 1, -0.1), ValueError, "seconds must be >= 0"),
    ((1.5, 1, 0.1), TypeError, "requests must be an int"),
    ((1, 1, "0.1"), TypeError, "seconds must be a number"),
])
def test_rounds_time_rejects_bad_input(args, error, message):
    with pytest.raises(error, match=message):
        aio.rounds_time(*args)


def test_default_thread_bound_matches_the_standard_library():
    from concurrent.futures import ThreadPoolExecutor

    assert aio.default_thread_bound(1) == 5 and aio.default_thread_bound(100) == 32
    with ThreadPoolExecutor() as pool:
        assert pool._max_workers == aio.default_thread_bound()
    with pytest.raises(ValueError, match="cpus must be >= 1"):
        aio.default_thread_bound(0)


def test_raise_open_file_limit_returns_the_limit():
    limit = aio.raise_open_file_limit(512)
    assert limit is None or limit >= 256
    with pytest.raises(ValueError, match="wanted must be >= 1"):
        aio.raise_open_file_limit(0)


# ---- plots ----

def test_plot_concurrency_draws_the_limit():
    ax = aio.plot_concurrency([Span("a", 1, 0, 1), Span("b", 2, 0.5, 2)], limit=2, title="t")
    assert ax.get_title() == "t" and ax.get_xlabel() == "time since the first request (s)"
    assert len(ax.get_lines()) == 2  # the step line and the limit


def test_timeline_with_results_adds_a_row():
    ax = aio.timeline_with_results([Span("a", 1, 0, 1), Span("b", 2, 0, 2)], [1.0, 2.0])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "results received"]
    with pytest.raises(ValueError, match="at least one time"):
        aio.timeline_with_results([Span("a", 1, 0, 1)], [])


# ---- the server and its clients ----

def test_server_starts_serves_and_shuts_down():
    with aio.LatencyServer(latency=0.01) as server:
        assert server.running
        host, port = server.address
        assert host == "127.0.0.1" and port > 0
        assert aio.fetch_blocking(server.address, 5) == 5
        assert asyncio.run(aio.fetch_all(server.address, 20)) == list(range(20))
        assert server.served == 21 and 1 <= server.peak <= 20
        server.reset()
        assert server.served == 0 and server.peak == 0
    assert not server.running
    with pytest.raises(OSError):
        aio.fetch_blocking(server.address, 1, timeout=2)


def test_server_shuts_down_when_the_block_raises():
    with pytest.raises(KeyError), aio.LatencyServer(latency=0) as server:
        raise KeyError("boom")
    assert not server.running


def test_server_shuts_down_with_requests_still_waiting():
    """Leaving the block while requests wait on a long latency must not hang."""
    with aio.LatencyServer(latency=30) as server:
        results = []
        thread = threading.Thread(target=lambda: results.append(_try_fetch(server.address)))
        thread.start()
        deadline = time.monotonic() + 5
        while server.in_flight == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.in_flight == 1
        started = time.monotonic()
    assert time.monotonic() - started < 10 and not server.running
    thread.join(timeout=10)
    assert not thread.is_alive() and results and results[0] is not None


def _try_fetch(address):
    try:
        return aio.fetch_blocking(address, 1, timeout=20)
    except (OSError, ValueError) as error:  # connection closed without an answer
        return error


def test_latency_is_adjustable_and_respected():
    with aio.LatencyServer(latency=0) as server:
        server.latency = 0.1
        start = time.perf_counter()
        assert aio.fetch_blocking(server.address, 3) == 3
        assert time.perf_counter() - start >= 0.099
        with pytest.raises(ValueError, match="latency must be >= 0"):
            server.latency = -1


def test_server_cannot_start_twice_and_validates():
    server = aio.LatencyServer(latency=0)
    with server, pytest.raises(RuntimeError, match="only once"), server:
        pass
    assert not server.running
    with pytest.raises(TypeError, match="latency must be a number"):
        aio.LatencyServer(latency="fast")
    with pytest.raises(ValueError, match="backlog must be >= 1"):
        aio.LatencyServer(backlog=0)


def test_fetch_all_respects_the_limit_and_records_spans():
    recorder = Recorder()
    with aio.LatencyServer(latency=0.02) as server:
        answers = asyncio.run(aio.fetch_all(server.address, 30, limit=4, recorder=recorder))
        server_peak = server.peak
    assert answers == list(range(30))
    assert len(recorder.spans) == 30
    assert aio.peak_concurrency(recorder.spans) == 4 and server_peak <= 4
    assert {s.worker for s in recorder.spans} == {f"task request {i}" for i in range(30)}


def test_fetch_all_threads_answers_in_order():
    with aio.LatencyServer(latency=0.01) as server:
        assert aio.fetch_all_threads(server.address, 25, workers=5) == list(range(25))
        assert server.peak <= 5


def test_fetch_all_times_out():
    with aio.LatencyServer(latency=5) as server, pytest.raises(TimeoutError):
        asyncio.run(aio.fetch_all(server.address, 3, timeout=0.2))


def test_fetch_all_sync_runs_its_own_loop_in_a_script_and_refuses_inside_one():
    with aio.LatencyServer(latency=0) as server:
        assert aio.fetch_all_sync(server.address, 4) == [0, 1, 2, 3]

    async def inside():
        aio.fetch_all_sync(("127.0.0.1", 9), 1)

    with pytest.raises(RuntimeError, match=r"await fetch_all\("):
        asyncio.run(inside())


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: aio.fetch_blocking("localhost:80", 1), TypeError, "address must be"),
    (lambda: aio.fetch_blocking(("127.0.0.1", 9), -1), ValueError, "request must be >= 0"),
    (lambda: asyncio.run(aio.fetch(("127.0.0.1", 9), 1, timeout=0)), ValueError,
     "timeout must be > 0"),
    (lambda: asyncio.run(aio.fetch_all(("127.0.0.1", 9), 0)), ValueError,
     "requests must be >= 1"),
    (lambda: asyncio.run(aio.fetch_all(("127.0.0.1", 9), 3, limit=0)), ValueError,
     "limit must be >= 1"),
    (lambda: aio.fetch_all_threads(("127.0.0.1", 9), 3, workers=0), ValueError,
     "workers must be >= 1"),
])
def test_clients_reject_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---- exercise checkers ----

def test_check_rounds_prediction(capsys):
    assert aio.check_rounds_prediction(lambda n, c, s: math.ceil(n / c) * s)
    assert not aio.check_rounds_prediction(lambda n, c, s: n / c * s)
    assert "count full rounds" in capsys.readouterr().out
    assert not aio.check_rounds_prediction(lambda n, c, s: None)
    assert "returns None" in capsys.readouterr().out
    assert not aio.check_rounds_prediction(lambda n, c, s: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out
    with pytest.raises(TypeError, match="pass your function"):
        aio.check_rounds_prediction(3)


async def _good_map(func, items, limit):
    semaphore = asyncio.Semaphore(limit)

    async def one(item):
        async with semaphore:
            return await func(item)

    return list(await asyncio.gather(*(one(item) for item in items)))


async def _unbounded_map(func, items, limit):
    return list(await asyncio.gather(*(func(item) for item in items)))


async def _sequential_map(func, items, limit):
    return [await func(item) for item in items]


async def _completion_order_map(func, items, limit):
    return [await f for f in asyncio.as_completed([func(item) for item in items])]


async def _stub_map(func, items, limit):
    ...


@pytest.mark.parametrize(("answer", "passes", "feedback"), [
    (_good_map, True, "limit is respected"),
    (_unbounded_map, False, "Use an asyncio.Semaphore"),
    (_sequential_map, False, "only 1 ran at once"),
    (_completion_order_map, False, "argument order"),
    (_stub_map, False, "returns None"),
])
def test_check_limited_map(answer, passes, feedback, capsys):
    assert asyncio.run(aio.check_limited_map(answer)) is passes
    assert feedback in capsys.readouterr().out


def test_check_limited_map_reports_a_hang_and_an_error(capsys):
    async def hangs(func, items, limit):
        await asyncio.sleep(60)

    async def raises(func, items, limit):
        raise RuntimeError("oops")

    assert not asyncio.run(aio.check_limited_map(hangs, timeout=0.3))
    assert "still running after 0.3 s" in capsys.readouterr().out
    assert not asyncio.run(aio.check_limited_map(raises))
    assert "RuntimeError('oops')" in capsys.readouterr().out
    with pytest.raises(TypeError, match="pass your coroutine function"):
        asyncio.run(aio.check_limited_map(None))
