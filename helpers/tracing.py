"""Record who ran what, when: spans from threads, processes and asyncio tasks; CPU load.

A *span* is one task run by one worker (a thread, a process or an asyncio task):
``Span(worker, task, start, end)``, with times from ``time.perf_counter``, a system-wide
monotonic clock on Linux, macOS and Windows, so that spans from several processes line up.
Threads and tasks add spans to a shared :class:`Recorder`; process workers cannot, so
:class:`Traced` makes them *return* their span with their result.

>>> recorder = Recorder()
>>> with recorder.span("task 1"):
...     _ = sum(range(100))
>>> [span.task for span in recorder.spans]
['task 1']
>>> value, span = Traced(abs)(-3)
>>> value, span.task
(3, -3)
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import psutil


@dataclass(frozen=True)
class Span:
    """One task run by one worker, from ``start`` to ``end`` (``perf_counter`` seconds)."""

    worker: str
    task: Hashable
    start: float
    end: float

    def __post_init__(self) -> None:
        if not isinstance(self.worker, str):
            raise TypeError(f"worker must be a str label, got {type(self.worker).__name__}")
        if self.end < self.start:
            raise ValueError(f"a span cannot end ({self.end}) before it starts ({self.start})")

    @property
    def duration(self) -> float:
        return self.end - self.start


def current_worker() -> str:
    """Name the thread, or the child process, that is running.

    Jupyter runs every cell inside an asyncio task, so this does not look at asyncio; inside a
    coroutine pass ``worker=task_name()`` to :meth:`Recorder.span`.

    >>> current_worker()
    'MainThread'
    """
    thread = threading.current_thread()
    if multiprocessing.parent_process() is None:
        return thread.name
    if thread is threading.main_thread():
        return f"process {os.getpid()}"
    return f"process {os.getpid()} · {thread.name}"


def task_name() -> str:
    """Name the running asyncio task, for spans recorded from coroutines.

    >>> async def main():
    ...     return task_name()
    >>> asyncio.run(main())[:5]
    'task '
    """
    task = asyncio.current_task()  # raises RuntimeError outside an event loop
    if task is None:
        raise RuntimeError("task_name() must be called from inside an asyncio task")
    return f"task {task.get_name()}"


class Recorder:
    """A thread-safe list of spans, filled from threads or asyncio tasks of this process.

    >>> recorder = Recorder()
    >>> recorder.add(Span("w", 1, 0.0, 0.5))
    >>> len(recorder.spans)
    1
    """

    def __init__(self) -> None:
        self._spans: list[Span] = []
        self._lock = threading.Lock()

    @contextmanager
    def span(self, task: Hashable, worker: str | None = None) -> Iterator[None]:
        """Time the ``with`` block as one span of ``task`` (worker: the current one)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(Span(worker or current_worker(), task, start, time.perf_counter()))

    def add(self, span: Span) -> None:
        if not isinstance(span, Span):
            raise TypeError(f"expected a Span, got {type(span).__name__}")
        with self._lock:
            self._spans.append(span)

    def collect(self, results: Iterable[TracedResult]) -> list[Any]:
        """Keep the spans that :class:`Traced` workers returned; give back their values in order."""
        values = []
        for item in results:
            if not isinstance(item, TracedResult):
                raise TypeError(f"expected results of a Traced function, got {type(item).__name__}")
            self.add(item.span)
            values.append(item.value)
        return values

    @property
    def spans(self) -> list[Span]:
        """All spans so far, earliest start first."""
        with self._lock:
            return sorted(self._spans, key=lambda span: span.start)


class TracedResult(NamedTuple):
    """A worker's return value together with the span that produced it."""

    value: Any
    span: Span


@dataclass(frozen=True)
class Traced:
    """Wrap ``func`` so each call returns ``(value, span)``: how process workers report timing.

    Picklable whenever ``func`` is (a module-level function), so it works with every pool
    and start method: ``pool.map(Traced(work), tasks)``.
    """

    func: Callable[[Any], Any]

    def __post_init__(self) -> None:
        if not callable(self.func):
            raise TypeError(f"Traced needs a callable, got {type(self.func).__name__}")

    def __call__(self, task: Any) -> TracedResult:
        start = time.perf_counter()
        value = self.func(task)
        end = time.perf_counter()
        label = task if isinstance(task, Hashable) else repr(task)
        return TracedResult(value, Span(current_worker(), label, start, end))


def concurrency_over_time(spans: Sequence[Span]) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(times, counts)``: how many spans are running from each time to the next.

    ``counts[i]`` spans run from ``times[i]`` to ``times[i + 1]``; an end and a start at the
    same instant do not overlap. No spans give empty arrays.

    >>> times, counts = concurrency_over_time([Span("a", 1, 0, 2), Span("b", 2, 1, 3)])
    >>> times.tolist(), counts.tolist()
    ([0.0, 1.0, 2.0, 3.0], [1, 2, 1, 0])
    """
    spans = list(spans)
    if not all(isinstance(span, Span) for span in spans):
        raise TypeError("spans must be helpers.tracing.Span objects")
    # Ends (-1) sort before starts (+1) at the same time.
    events = sorted([(s.start, 1) for s in spans] + [(s.end, -1) for s in spans])
    times, counts, running = [], [], 0
    for when, change in events:
        running += change
        if times and times[-1] == when:
            counts[-1] = running
        else:
            times.append(when)
            counts.append(running)
    return np.array(times, dtype=float), np.array(counts, dtype=int)



def peak_concurrency(spans: Sequence[Span]) -> int:
    """The most spans running at the same time (0 for no spans).

    >>> peak_concurrency([Span("a", 1, 0, 1), Span("b", 2, 1, 2), Span("c", 3, 0.5, 1.5)])
    2
    """
    counts = concurrency_over_time(spans)[1]
    return int(counts.max()) if counts.size else 0


def _affinity() -> list[int]:
    """The CPUs this process may run on; every CPU where the platform cannot tell (macOS)."""
    try:
        return sorted(psutil.Process().cpu_affinity())
    except (AttributeError, psutil.Error):
        return list(range(psutil.cpu_count() or 1))


class CpuSampler:
    """Sample the per-CPU utilisation (psutil) of the CPUs this process may use.

    Use it as a context manager around an experiment; the thread is stopped and joined on exit.
    Only the CPUs in this process's affinity are kept (``cpus``): on Binder and in containers
    the host's other CPUs carry other users' load. Other programs on *these* CPUs still show.

    >>> with CpuSampler(interval=0.02) as sampler:
    ...     time.sleep(0.1)
    >>> sampler.percent.shape[1] == len(sampler.cpus)
    True
    """

    def __init__(self, interval: float = 0.05) -> None:
        if isinstance(interval, bool) or not isinstance(interval, (int, float)):
            raise TypeError(f"interval must be a number of seconds, got {type(interval).__name__}")
        if not 0.005 <= interval <= 5:
            raise ValueError(f"interval must be between 0.005 and 5 seconds, got {interval}")
        self.interval = float(interval)
        self.cpus = _affinity()
        self.start: float | None = None
        self._times: list[float] = []
        self._percents: list[list[float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-sampler", daemon=True)

    def __enter__(self) -> CpuSampler:
        psutil.cpu_percent(percpu=True)  # the first call only sets psutil's reference point
        self.start = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        percents = psutil.cpu_percent(percpu=True)
        self._times.append(time.perf_counter())
        self._percents.append([percents[cpu] for cpu in self.cpus if cpu < len(percents)])

    @property
    def times(self) -> np.ndarray:
        """End time of each sample (``perf_counter`` seconds); sample i covers the time before."""
        return np.array(self._times)

    @property
    def percent(self) -> np.ndarray:
        """Utilisation in % per sample (rows) and CPU (columns)."""
        return np.array(self._percents, dtype=float).reshape(len(self._times), len(self.cpus))

    def busy_cpus(self, start: float | None = None, end: float | None = None) -> float:
        """Average number of busy CPUs (1.0 = one CPU fully busy), over the whole run or over
        the window ``start``..``end`` (``perf_counter`` seconds), each sample weighted by how
        much of it falls inside the window."""
        if not self._times:
            raise ValueError("no samples yet: use the sampler as a context manager first")
        ends = self.times
        begins = np.concatenate([[self.start], ends[:-1]])
        low = begins[0] if start is None else start
        high = ends[-1] if end is None else end
        if not high > low:
            raise ValueError(f"the window must end after it starts, got {low}..{high}")
        weights = np.clip(np.minimum(ends, high) - np.maximum(begins, low), 0, None)
        if weights.sum() == 0:
            raise ValueError("no sample falls inside the window")
        busy = self.percent.sum(axis=1) / 100
        return float((busy * weights).sum() / weights.sum())
