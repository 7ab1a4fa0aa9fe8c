"""Notebook 02's instrumented runner: the same tasks sequentially, on threads or on processes.

The notebook writes the pools in its cells first; ``run`` repeats them with spans and CPU
samples recorded, for the timelines. The tasks themselves are in :mod:`helpers.tasks`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.pool import ThreadPool
from typing import Any

from helpers.machine import mp_context
from helpers.timing import Timer, TreeCpu
from helpers.tracing import CpuSampler, Recorder, Span, Traced
from helpers.validate import function, one_of, whole_number

RUN_KINDS = ("sequential", "thread pool", "process pool")


@dataclass(frozen=True)
class Run:
    """One experiment: its results in task order, spans, CPU samples, wall and CPU time."""

    kind: str
    workers: int | None
    chunksize: int | None
    results: list[Any]
    spans: list[Span]
    sampler: CpuSampler
    elapsed: float
    cpu_seconds: float
    map_seconds: float

    @property
    def workers_seen(self) -> int:
        """How many distinct workers ran at least one task."""
        return len({s.worker for s in self.spans})

    @property
    def work_seconds(self) -> float:
        """From the first task's start to the last task's end: wall time without pool start-up."""
        return max(s.end for s in self.spans) - min(s.start for s in self.spans)

    @property
    def cpus_busy(self) -> float:
        """CPU seconds of this process *and all its workers* per second of ``map``: 1.0 = one
        core busy. Measured while the pool is alive, so no worker's time is lost at exit."""
        return self.cpu_seconds / self.map_seconds


def run(
    kind: str, func: Callable[[Any], Any], tasks: Sequence[Any], workers: int | None = None,
    *, chunksize: int | None = 1, timeout: float = 60.0,
) -> Run:
    """Run ``func`` over ``tasks`` sequentially, on a thread pool or on a process pool, traced.

    ``chunksize=1`` hands out one task at a time, so equal tasks run in ⌈tasks/workers⌉
    rounds; ``None`` keeps ``map``'s default chunks. The CPU time is the whole process tree's
    (:class:`~helpers.timing.TreeCpu`), so it counts workers under every start method.
    """
    one_of("kind", kind, RUN_KINDS)
    function("func", func)
    if workers is not None:
        whole_number("workers", workers, minimum=1)
    if chunksize is not None:
        whole_number("chunksize", chunksize, minimum=1)
    tasks = list(tasks)
    whole_number("number of tasks", len(tasks), minimum=1)
    traced, recorder = Traced(func), Recorder()
    with CpuSampler() as sampler, Timer() as timer:
        if kind == "sequential":
            with TreeCpu() as tree:
                outcomes = [traced(task) for task in tasks]
        else:
            pool_type = ThreadPool if kind == "thread pool" else mp_context().Pool
            with pool_type(workers) as pool, TreeCpu() as tree:
                outcomes = pool.map_async(traced, tasks, chunksize).get(timeout=timeout)
    results = recorder.collect(outcomes)
    return Run(kind, workers, chunksize, results, recorder.spans, sampler, timer.elapsed,
               tree.cpu_seconds, tree.wall_seconds)
