"""Unit tests of helpers.coroutines: the worker, the heartbeat, the server, the figures,
the exercises' cases, and the chapter's scripts under each Python that is installed."""

import asyncio
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import exercises
from helpers.coroutines import answers, experiment, figures, server, workers
from helpers.tracing import Recorder, Span, peak_concurrency

matplotlib.use("Agg")
START_METHODS = multiprocessing.get_all_start_methods()
SCRIPTS = Path(__file__).resolve().parents[2] / "notebooks" / "scripts"
#: A Python 3.13 to check the other branch of as_completed with (skipped where there is none).
PYTHON_313 = os.environ.get("COURSE_PYTHON_313", "/root/.pyenv/versions/3.13.0/bin/python3")


# ---- the worker and the heartbeat ----

@settings(max_examples=50, deadline=None)
@given(n=st.integers(0, 3000))
def test_cpu_work_matches_the_closed_form(n):
    assert workers.cpu_work(n) == experiment.sum_of_squares(n) == sum(i * i for i in range(n))


@pytest.mark.parametrize(("n", "error"), [(-1, ValueError), (2.0, TypeError), (True, TypeError)])
def test_sum_of_squares_rejects_bad_n(n, error):
    with pytest.raises(error, match="n must be"):
        experiment.sum_of_squares(n)


@pytest.mark.parametrize("method", START_METHODS)
def test_cpu_work_runs_in_a_process_pool_under_every_start_method(method):
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context(method)) as pool:
        futures = [pool.submit(workers.cpu_work, n) for n in (10, 1000)]
        assert [f.result(timeout=60) for f in futures] == [experiment.sum_of_squares(10),
                                                          experiment.sum_of_squares(1000)]


def test_heartbeat_ticks_until_cancelled():
    recorder = Recorder()

    async def main():
        beat = asyncio.create_task(experiment.heartbeat(recorder, 0.005), name="beat")
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
        asyncio.run(experiment.heartbeat([], 0.01))
    with pytest.raises(ValueError, match="interval must be > 0"):
        asyncio.run(experiment.heartbeat(Recorder(), 0))


def test_longest_picks_the_longest_span_of_a_task():
    spans = [Span("h", "tick", 0, 0.01), Span("h", "tick", 0.01, 0.3), Span("w", 1, 0, 5)]
    assert experiment.longest(spans) == pytest.approx(0.29)
    assert experiment.longest(spans, task=1) == 5
    with pytest.raises(ValueError, match="no span of task 'tock'"):
        experiment.longest(spans, task="tock")


def test_default_thread_bound_matches_the_standard_library():
    from concurrent.futures import ThreadPoolExecutor

    assert experiment.default_thread_bound(1) == 5 and experiment.default_thread_bound(100) == 32
    with ThreadPoolExecutor() as pool:
        assert pool._max_workers == experiment.default_thread_bound()
    with pytest.raises(ValueError, match="cpus must be >= 1"):
        experiment.default_thread_bound(0)


# ---- exercise cases ----

@settings(max_examples=100, deadline=None)
@given(count=st.integers(1, 60), limit=st.integers(1, 20), latency=st.floats(0, 2))
def test_fifo_makespan_of_equal_waits_is_full_rounds(count, limit, latency):
    assert answers.fifo_makespan([latency] * count, limit) == pytest.approx(
        -(-count // limit) * latency)


def test_fifo_makespan_depends_on_the_queue_order():
    assert answers.fifo_makespan(answers.MIX_LATENCIES, answers.MIX_LIMIT) == pytest.approx(0.8)
    assert answers.fifo_makespan(answers.MIX_LATENCIES[::-1],
                                 answers.MIX_LIMIT) == pytest.approx(0.6)


def test_fifo_makespan_matches_a_semaphore():
    async def main():
        gate = asyncio.Semaphore(answers.MIX_LIMIT)

        async def one(latency):
            async with gate:
                await asyncio.sleep(latency)

        start = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for latency in answers.MIX_LATENCIES:
                group.create_task(one(latency))
        return time.perf_counter() - start

    measured = asyncio.run(main())
    assert 0.8 <= measured < 0.8 * 1.3


async def _fixed(i):
    await asyncio.to_thread(time.sleep, answers.BLOCKING_CALL_SECONDS)
    return i * i


async def _blocking(i):
    time.sleep(answers.BLOCKING_CALL_SECONDS)
    return i * i


async def _wrong(i):
    await asyncio.sleep(0)
    return i


@pytest.mark.parametrize(("answer", "passes", "feedback"), [
    (_fixed, True, "behaves right"),
    (_blocking, False, "one after another"),
    (_wrong, False, "expected results"),
])
def test_blocking_trial(answer, passes, feedback, capsys):
    assert exercises.passes(exercises.check_behaviour, answers.blocking_trial(answer),
                            trials=2, timeout=10) is passes
    if not passes:
        assert feedback in capsys.readouterr().out


def test_choices_have_a_reason_each():
    assert set(answers.CHOICES) == set(answers.WHY)
    assert exercises.passes(exercises.choose_labels, answers.CHOICES, answers.CHOICES,
                            why=answers.WHY)


# ---- plots ----

def test_plot_concurrency_draws_the_limit():
    ax = figures.plot_concurrency([Span("a", 1, 0, 1), Span("b", 2, 0.5, 2)], limit=2,
                                    title="t")
    assert ax.get_title() == "t" and ax.get_xlabel() == "time since the first request (s)"
    assert len(ax.get_lines()) == 2  # the step line and the limit


def test_timeline_with_results_adds_a_row():
    ax = figures.timeline_with_results([Span("a", 1, 0, 1), Span("b", 2, 0, 2)], [1.0, 2.0])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "results received"]
    with pytest.raises(ValueError, match="at least one time"):
        figures.timeline_with_results([Span("a", 1, 0, 1)], [])


# ---- the server and its clients ----

async def _fetch_all(address, requests, limit, recorder=None):
    gate = asyncio.Semaphore(limit)

    async def one(i):
        async with gate:
            if recorder is None:
                return await server.fetch(address, i)
            with recorder.span(i):
                return await server.fetch(address, i)

    async with asyncio.timeout(30), asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(i)) for i in range(requests)]
    return [task.result() for task in tasks]


def test_server_starts_serves_and_shuts_down():
    with server.LatencyServer(latency=0.01) as service:
        assert service.running
        host, port = service.address
        assert host == "127.0.0.1" and port > 0
        assert server.fetch_blocking(service.address, 5) == 5
        assert asyncio.run(_fetch_all(service.address, 20, 20)) == list(range(20))
        assert service.served == 21 and 1 <= service.peak <= 20
        service.reset()
        assert service.served == 0 and service.peak == 0
    assert not service.running
    with pytest.raises(OSError):
        server.fetch_blocking(service.address, 1, timeout=2)


def test_server_respects_a_client_bound():
    recorder = Recorder()
    with server.LatencyServer(latency=0.02) as service:
        replies = asyncio.run(_fetch_all(service.address, 30, 4, recorder))
        server_peak = service.peak
    assert replies == list(range(30)) and len(recorder.spans) == 30
    assert peak_concurrency(recorder.spans) == 4 and server_peak <= 4


def test_server_shuts_down_when_the_block_raises():
    with pytest.raises(KeyError), server.LatencyServer(latency=0) as service:
        raise KeyError("boom")
    assert not service.running


def test_server_shuts_down_with_requests_still_waiting():
    """Leaving the block while requests wait on a long latency must not hang."""
    with server.LatencyServer(latency=30) as service:
        results = []
        thread = threading.Thread(target=lambda: results.append(_try_fetch(service.address)))
        thread.start()
        deadline = time.monotonic() + 5
        while service.in_flight == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert service.in_flight == 1
        started = time.monotonic()
    assert time.monotonic() - started < 10 and not service.running
    thread.join(timeout=10)
    assert not thread.is_alive() and results and results[0] is not None


def _try_fetch(address):
    try:
        return server.fetch_blocking(address, 1, timeout=20)
    except (OSError, ValueError) as error:  # connection closed without an answer
        return error


def test_latency_is_adjustable_and_respected():
    with server.LatencyServer(latency=0) as service:
        service.latency = 0.1
        start = time.perf_counter()
        assert server.fetch_blocking(service.address, 3) == 3
        assert time.perf_counter() - start >= 0.099
        with pytest.raises(ValueError, match="latency must be >= 0"):
            service.latency = -1


def test_server_cannot_start_twice_and_validates():
    service = server.LatencyServer(latency=0)
    with service, pytest.raises(RuntimeError, match="only once"), service:
        pass
    assert not service.running
    with pytest.raises(TypeError, match="latency must be a number"):
        server.LatencyServer(latency="fast")
    with pytest.raises(ValueError, match="backlog must be >= 1"):
        server.LatencyServer(backlog=0)


def test_fetch_times_out():
    with server.LatencyServer(latency=5) as service, pytest.raises(TimeoutError):
        asyncio.run(server.fetch(service.address, 3, timeout=0.2))


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: server.fetch_blocking("localhost:80", 1), TypeError, "address must be"),
    (lambda: server.fetch_blocking(("127.0.0.1", 9), -1), ValueError,
     "request must be >= 0"),
    (lambda: asyncio.run(server.fetch(("127.0.0.1", 9), 1, timeout=0)), ValueError,
     "timeout must be > 0"),
])
def test_clients_reject_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_raise_open_file_limit_returns_the_limit():
    limit = server.raise_open_file_limit(512)
    assert limit is None or limit >= 256
    with pytest.raises(ValueError, match="wanted must be >= 1"):
        server.raise_open_file_limit(0)


# ---- the chapter's scripts, under this Python and under 3.13 where it is installed ----

def _run(python, script):
    return subprocess.run([python, str(SCRIPTS / script)], capture_output=True, text=True,
                          timeout=60, cwd=SCRIPTS.parent)


@pytest.mark.parametrize("python", [sys.executable, PYTHON_313])
def test_as_completed_script_checks_the_branch_of_each_python(python):
    if not Path(python).exists():
        pytest.skip(f"{python} is not installed")
    done = _run(python, "12_as_completed.py")
    assert done.returncode == 0, done.stderr
    version = subprocess.run([python, "-c", "import sys; print(sys.version_info >= (3, 13))"],
                             capture_output=True, text=True, timeout=30).stdout.strip()
    expected = "async for" if version == "True" else "plain for"
    assert f"branch: {expected}" in done.stdout
