"""Unit tests of helpers.tracing: Span, Recorder, Traced, CpuSampler."""

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest

from helpers.tasks import wait_io
from helpers.tracing import (
    CpuSampler,
    Recorder,
    Span,
    Traced,
    TracedResult,
    current_worker,
    task_name,
)

START_METHODS = multiprocessing.get_all_start_methods()


# ---- Span ----

def test_span_duration_is_end_minus_start():
    assert Span("w", 1, 2.0, 2.5).duration == 0.5


def test_span_may_last_no_time():
    assert Span("w", 1, 2.0, 2.0).duration == 0


def test_span_rejects_an_end_before_its_start():
    with pytest.raises(ValueError, match=r"cannot end \(1.0\) before it starts \(2.0\)"):
        Span("w", 1, 2.0, 1.0)


def test_span_rejects_a_non_str_worker():
    with pytest.raises(TypeError, match="worker must be a str label, got int"):
        Span(3, 1, 0.0, 1.0)


# ---- current_worker and task_name ----

def test_current_worker_in_the_main_thread():
    assert current_worker() == threading.main_thread().name


def test_task_name_outside_a_loop_raises():
    with pytest.raises(RuntimeError):
        task_name()


# ---- Recorder ----

def test_recorder_is_thread_safe_and_sorted():
    recorder = Recorder()

    def add_spans(thread_number):
        for i in range(200):
            now = time.perf_counter()
            recorder.add(Span(f"t{thread_number}", i, now, now))

    threads = [threading.Thread(target=add_spans, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spans = recorder.spans
    assert len(spans) == 1600
    assert [s.start for s in spans] == sorted(s.start for s in spans)
    assert {s.worker for s in spans} == {f"t{n}" for n in range(8)}


def test_recorder_span_times_the_block():
    recorder = Recorder()
    with recorder.span("nap"):
        time.sleep(0.02)
    (span,) = recorder.spans
    assert (span.task, span.worker) == ("nap", current_worker())
    assert span.duration >= 0.02


def test_recorder_span_records_even_when_the_block_raises():
    recorder = Recorder()
    with pytest.raises(KeyError), recorder.span("failing"):
        raise KeyError("x")
    assert [s.task for s in recorder.spans] == ["failing"]


def test_recorder_span_names_pool_threads():
    recorder = Recorder()

    def work(task):
        with recorder.span(task):
            time.sleep(0.01)
        return threading.current_thread().name

    with ThreadPoolExecutor(3, thread_name_prefix="probe") as pool:
        names = list(pool.map(work, range(9)))
    assert sorted(s.worker for s in recorder.spans) == sorted(names)
    assert all(s.worker.startswith("probe_") for s in recorder.spans)


def test_recorder_span_names_asyncio_tasks():
    recorder = Recorder()

    async def work(task):
        with recorder.span(task, worker=task_name()):
            await asyncio.sleep(0.01)

    async def main():
        await asyncio.gather(asyncio.create_task(work(1), name="alpha"),
                             asyncio.create_task(work(2), name="beta"))

    asyncio.run(main())
    assert sorted((s.task, s.worker) for s in recorder.spans) == [
        (1, "task alpha"), (2, "task beta")]


def test_recorder_add_rejects_a_non_span():
    with pytest.raises(TypeError, match="expected a Span, got tuple"):
        Recorder().add(("w", 1, 0.0, 1.0))


def test_recorder_collect_keeps_spans_and_returns_values_in_order():
    recorder = Recorder()
    values = recorder.collect(Traced(abs)(x) for x in (-3, 2, -1))
    assert values == [3, 2, 1]
    assert sorted(s.task for s in recorder.spans) == [-3, -1, 2]


def test_recorder_collect_rejects_non_traced_results():
    with pytest.raises(TypeError, match="expected results of a Traced function, got tuple"):
        Recorder().collect([(3, Span("w", 1, 0.0, 1.0))])


# ---- Traced ----

def test_traced_returns_a_traced_result():
    result = Traced(abs)(-4)
    assert isinstance(result, TracedResult)
    assert (result.value, result.span.task, result.span.worker) == (4, -4, current_worker())


def test_traced_labels_unhashable_tasks_by_repr():
    assert Traced(len)([1, 2]).span.task == "[1, 2]"


def test_traced_rejects_a_non_callable():
    with pytest.raises(TypeError, match="Traced needs a callable, got int"):
        Traced(42)


@pytest.mark.parametrize("method", START_METHODS)
def test_traced_through_a_process_pool(method):
    tasks = [(i, 0.01) for i in range(4)]
    with multiprocessing.get_context(method).Pool(2) as pool:
        outcomes = pool.map_async(Traced(wait_io), tasks).get(timeout=60)
    assert all(isinstance(item, TracedResult) for item in outcomes)
    assert [item.value for item in outcomes] == [0, 1, 2, 3]
    assert [item.span.task for item in outcomes] == tasks
    pids = {int(item.span.worker.removeprefix("process ")) for item in outcomes}
    assert all(item.span.worker.startswith("process ") for item in outcomes)
    assert os.getpid() not in pids


# ---- CpuSampler ----

@pytest.mark.parametrize(("interval", "error", "message"), [
    (0, ValueError, "interval must be between 0.005 and 5 seconds, got 0"),
    (10, ValueError, "interval must be between 0.005 and 5 seconds, got 10"),
    ("x", TypeError, "interval must be a number of seconds, got str"),
    (True, TypeError, "interval must be a number of seconds, got bool"),
])
def test_cpu_sampler_rejects_bad_intervals(interval, error, message):
    with pytest.raises(error, match=message):
        CpuSampler(interval)


def test_cpu_sampler_records_one_row_per_sample_and_cpu():
    with CpuSampler(interval=0.02) as sampler:
        time.sleep(0.15)
    rows = len(sampler.times)
    assert rows >= 3
    assert sampler.percent.shape == (rows, len(psutil.Process().cpu_affinity()))
    assert sampler.start < sampler.times[0]
    assert list(sampler.times) == sorted(sampler.times)


def test_cpu_sampler_busy_cpus_is_within_the_cpu_count():
    with CpuSampler(interval=0.02) as sampler:
        time.sleep(0.1)
    assert 0 <= sampler.busy_cpus() <= psutil.cpu_count()


def test_cpu_sampler_sees_a_busy_loop():
    with CpuSampler(interval=0.02) as sampler:
        deadline = time.perf_counter() + 0.3
        while time.perf_counter() < deadline:
            pass
    assert sampler.busy_cpus() > 0.3


def test_cpu_sampler_stops_its_thread_on_exit():
    with CpuSampler(interval=0.01) as sampler:
        time.sleep(0.03)
    count = len(sampler.times)
    time.sleep(0.05)
    assert len(sampler.times) == count


def test_cpu_sampler_busy_cpus_before_any_sample_raises():
    with pytest.raises(ValueError, match="no samples yet"):
        CpuSampler().busy_cpus()


def test_cpu_sampler_busy_cpus_rejects_bad_windows():
    with CpuSampler(interval=0.02) as sampler:
        time.sleep(0.05)
    with pytest.raises(ValueError, match="the window must end after it starts"):
        sampler.busy_cpus(start=sampler.times[-1], end=sampler.start)
    with pytest.raises(ValueError, match="no sample falls inside the window"):
        sampler.busy_cpus(start=sampler.times[-1] + 1, end=sampler.times[-1] + 2)


def test_cpu_sampler_keeps_only_the_cpus_this_process_may_use(monkeypatch):
    monkeypatch.setattr(psutil.Process, "cpu_affinity", lambda self: [1])
    with CpuSampler(interval=0.02) as sampler:
        time.sleep(0.05)
    assert sampler.cpus == [1] and sampler.percent.shape[1] == 1
