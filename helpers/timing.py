"""Timing that can be trusted: a stopwatch, repeat-then-take-the-median, interleaved
comparisons, and the CPU time of a whole process tree or of each thread. The course's one
home for timing.

>>> with Timer() as t:
...     _ = sum(range(1000))
>>> t.elapsed > 0
True
>>> m = measure(lambda: sum(range(1000)), repeat=3)
>>> m.min <= m.median <= m.max
True
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psutil

from helpers.validate import number


class Timer:
    """Context manager that measures wall time with ``time.perf_counter``.

    ``elapsed`` is in seconds; it is ``None`` until the block has finished.

    >>> with Timer() as t:
    ...     time.sleep(0.01)
    >>> t.elapsed >= 0.01
    True
    """

    def __init__(self) -> None:
        self.start: float | None = None
        self.elapsed: float | None = None

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self.start is not None
        self.elapsed = time.perf_counter() - self.start


@dataclass(frozen=True)
class Measurement:
    """Wall times of repeated runs, in seconds, with the summary the course reports."""

    times: tuple[float, ...]
    result: Any = None

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def min(self) -> float:
        return min(self.times)

    @property
    def max(self) -> float:
        return max(self.times)

    @property
    def spread(self) -> float:
        """Relative spread, ``(max - min) / median``: 0.1 means runs differed by 10 %."""
        return (self.max - self.min) / self.median if self.median > 0 else 0.0

    def __str__(self) -> str:
        return (
            f"median {format_seconds(self.median)} "
            f"(min {format_seconds(self.min)}, max {format_seconds(self.max)}, "
            f"{len(self.times)} runs)"
        )


def measure(func: Callable[[], Any], *, repeat: int = 5, warmup: int = 1) -> Measurement:
    """Call ``func()`` ``warmup`` times untimed, then ``repeat`` times timed.

    Returns every time and the last result, so the caller can check the result before
    comparing speeds.

    >>> m = measure(lambda: 6 * 7, repeat=3, warmup=0)
    >>> (len(m.times), m.result)
    (3, 42)
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    for name, value, lowest in (("repeat", repeat, 1), ("warmup", warmup, 0)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if value < lowest:
            raise ValueError(f"{name} must be >= {lowest}, got {value}")
    for _ in range(warmup):
        func()
    times = []
    result = None
    for _ in range(repeat):
        with Timer() as timer:
            result = func()
        times.append(timer.elapsed)
    return Measurement(times=tuple(times), result=result)


def interleaved(funcs: Mapping[str, Callable[[], Any]], *, repeat: int = 5,
                warmup: int = 1, rotate: bool = False) -> dict[str, Measurement]:
    """Time several functions in turns (A, B, A, B, …), so a busy spell hits them all alike.

    Compare the medians: a single run of each is at the mercy of whatever else the machine
    does at that moment. ``rotate=True`` starts each round one function later (A, B, C, then
    B, C, A, …), so no function always runs right after the same other one (a spinning thread
    pool, a warm cache or a throttled quota period left by it).

    >>> runs = interleaved({"short": lambda: sum(range(10)), "long": lambda: sum(range(10**5))})
    >>> runs["short"].median < runs["long"].median
    True
    """
    if not isinstance(funcs, Mapping) or not funcs:
        raise TypeError("funcs must be a non-empty dict of name -> function of no arguments")
    for name, func in funcs.items():
        if not callable(func):
            raise TypeError(f"funcs[{name!r}] must be callable, got {type(func).__name__}")
    measure(lambda: None, repeat=repeat, warmup=warmup)  # validates repeat and warmup
    for _ in range(warmup):
        for func in funcs.values():
            func()
    times: dict[str, list[float]] = {name: [] for name in funcs}
    results: dict[str, Any] = {}
    names = list(funcs)
    for turn in range(repeat):
        shift = turn % len(names) if rotate else 0
        for name in names[shift:] + names[:shift]:
            func = funcs[name]
            with Timer() as timer:
                results[name] = func()
            times[name].append(timer.elapsed)
    return {name: Measurement(tuple(times[name]), results[name]) for name in funcs}


class TreeCpu:
    """CPU seconds used by this process and all its descendants while the block runs.

    Counts every descendant, under any start method (forkserver's workers are the server's
    children, not ours, so ``os.times()`` would miss them): a thread polls the process tree
    every ``interval`` seconds and keeps each process's last reading. A process that lives
    less than ``interval`` may be missed, so read the figure against a margin.

    >>> with TreeCpu() as tree:
    ...     _ = sum(i * i for i in range(200_000))
    >>> tree.cpu_seconds > 0 and tree.cpus_busy <= psutil.cpu_count() + 0.5
    True
    """

    def __init__(self, interval: float = 0.05) -> None:
        if not interval > 0:
            raise ValueError(f"interval must be > 0 seconds, got {interval!r}")
        self.interval = interval
        self.cpu_seconds = 0.0
        self.wall_seconds = 0.0
        self._last: dict[int, float] = {}
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None

    def _read_descendants(self) -> None:
        for child in psutil.Process().children(recursive=True):
            try:
                times = child.cpu_times()
                self._last[child.pid] = times.user + times.system
            except psutil.Error:  # gone between listing and reading
                continue

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            self._read_descendants()

    def __enter__(self) -> TreeCpu:
        self._self_start = time.process_time()
        self._before = {child.pid: t for child in psutil.Process().children(recursive=True)
                        for t in [_cpu_or_none(child)] if t is not None}
        self._wall_start = time.perf_counter()
        self._poller = threading.Thread(target=self._poll, name="tree-cpu", daemon=True)
        self._poller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        assert self._poller is not None
        self._poller.join(timeout=5)
        self._read_descendants()
        self.wall_seconds = time.perf_counter() - self._wall_start
        children = sum(seconds - self._before.get(pid, 0.0)
                       for pid, seconds in self._last.items())
        self.cpu_seconds = time.process_time() - self._self_start + children

    @property
    def cpus_busy(self) -> float:
        """Average number of CPUs the tree kept busy: CPU seconds per wall second."""
        return self.cpu_seconds / self.wall_seconds if self.wall_seconds > 0 else 0.0


class ThreadCpu:
    """CPU seconds each thread of this process used while the block ran, busiest first.

    Busy neighbours stretch wall time, not CPU time (unless a thread spins while it waits,
    as OpenMP's do): the busiest thread's CPU time is the block's critical path on free
    cores. Only threads alive at the block's end are listed
    (a pool's workers are), and the operating system counts in ticks (10 ms on Linux), so
    time enough work for the ticks not to matter.

    >>> with ThreadCpu() as split:
    ...     _ = sum(i * i for i in range(200_000))
    >>> len(split.seconds) >= 1 and split.seconds[0] == max(split.seconds) >= 0
    True
    """

    def __init__(self) -> None:
        self.seconds: list[float] = []

    @staticmethod
    def _read() -> dict[int, float]:
        return {t.id: t.user_time + t.system_time for t in psutil.Process().threads()}

    def __enter__(self) -> ThreadCpu:
        self._before = self._read()
        return self

    def __exit__(self, *exc_info: object) -> None:
        after = self._read()
        self.seconds = sorted((after[tid] - self._before.get(tid, 0.0) for tid in after),
                              reverse=True)


def _cpu_or_none(process: psutil.Process) -> float | None:
    try:
        times = process.cpu_times()
    except psutil.Error:
        return None
    return times.user + times.system


def format_seconds(seconds: float) -> str:
    """Format a duration with a unit a reader takes in at a glance.

    >>> format_seconds(0.000_012_3), format_seconds(0.25), format_seconds(3.5)
    ('12.3 µs', '250 ms', '3.50 s')
    """
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
        raise TypeError(f"seconds must be a number, got {type(seconds).__name__}")
    if seconds < 0:
        raise ValueError(f"seconds must be >= 0, got {seconds}")
    # Compare the rounded figure, so that 0.9996 s reads "1.00 s", not "1e+03 ms".
    if float(f"{seconds * 1e6:.3g}") < 1000:
        return f"{seconds * 1e6:.3g} µs"
    if float(f"{seconds * 1e3:.3g}") < 1000:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.2f} s"


@contextmanager
def keep_gil(seconds: float = 5.0) -> Iterator[None]:
    """Let no other thread run Python while a CPU-bound block shorter than ``seconds`` runs.

    From Python 3.12 cProfile records every thread's calls, and a kernel's IOPub and control
    threads wake at each cell's start and after each print: a function of theirs that returns
    during the profile pops one of this thread's calls and shifts every row after it. With the
    switch interval at ``seconds`` a thread that wants the GIL waits that long for it, so the
    kernel's threads, which wait on sockets, stay out. A block that sleeps, joins or does I/O
    still lets them in; a thread of yours that computes without waiting keeps the GIL as long
    once it has it, so this thread may wait up to ``seconds`` on entry. On a free-threaded
    build (3.13t, 3.14t) there is no GIL to keep and this does not keep other threads out:
    profile a script there instead.
    """
    number("seconds", seconds, positive=True)
    before = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        time.sleep(0.01)  # threads already waiting for the GIL (on the old interval) run now
        yield
    finally:
        sys.setswitchinterval(before)
