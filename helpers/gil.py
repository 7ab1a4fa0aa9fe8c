"""Workers and the instrumented runner for notebook 02 (threads, processes and the GIL).

Pool workers must be importable by child processes under every start method, so they live
here; the notebook shows them and writes the orchestration around the pools in its cells.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.pool import ThreadPool
from typing import Any

import numpy as np

from helpers.machine import mp_context
from helpers.timing import Timer, TreeCpu
from helpers.tracing import CpuSampler, Recorder, Span, Traced
from helpers.validate import function, one_of, seconds, whole_number

#: The article sleeps 1 s and sums 2 × 500 000 terms per task; scaled down so the whole
#: notebook runs in well under a minute. Raise them to see the same shapes at full size.
IO_WAIT_SECONDS = 0.2
CPU_TERMS = 40_000


def wait_io(inputs: tuple[int, float]) -> int:
    """Wait as a network or disk call would (the GIL is released); return the task number."""
    task, wait = inputs
    time.sleep(wait)
    return task


def burn_cpu(inputs: tuple[int, int]) -> float:
    """The article's CPU task: NumPy *scalar* functions called once per Python int."""
    _, n = inputs
    step1 = [np.log(i + 1) for i in range(n)] + [np.power(i, 1.1) for i in range(n)]
    return float(sum(step1))


def burn_cpu_math(inputs: tuple[int, int]) -> float:
    """The same sum with the ``math`` module and Python floats: no NumPy call per element."""
    _, n = inputs
    return sum(math.log(i + 1) for i in range(n)) + sum(i**1.1 for i in range(n))


def burn_cpu_vectorised(inputs: tuple[int, int]) -> float:
    """The same sum on whole NumPy arrays: one call per array, the loop runs in C."""
    _, n = inputs
    i = np.arange(n, dtype=np.float64)
    return float(np.log1p(i).sum() + np.power(i, 1.1).sum())


def burn_cpu_timed(inputs: tuple[int, int]) -> tuple[float, float]:
    """``burn_cpu``, and the CPU seconds this worker spent on it (``time.process_time``)."""
    start = time.process_time()
    value = burn_cpu(inputs)
    return value, time.process_time() - start


def costly_task(inputs: tuple[int, str]) -> float:
    """The article's ``costly_task``: an I/O-like or a CPU-bound task, chosen by ``task_type``."""
    task, task_type = inputs
    if task_type == "io_costly":
        wait_io((task, IO_WAIT_SECONDS))
        return 0.0
    if task_type == "cpu_costly":
        return burn_cpu((task, CPU_TERMS))
    raise ValueError(f"unknown task_type {task_type!r}: 'io_costly' or 'cpu_costly'")


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


# ---- exercises: the reference answers and cases; helpers.exercises does the checking ----

#: Exercise 2: workloads the notebook did not run, the pool that speeds them up, and why.
WORKLOADS = {
    "call a web API 500 times": (
        "threads", "each call waits on the network, and waiting releases the GIL"),
    "hash 8 in-memory blocks of 200 MB with hashlib.sha256": (
        "threads", "hashlib releases the GIL while it hashes more than 2 KiB: threads use "
        "several cores"),
    "compress 8 large byte strings with zlib.compress": (
        "threads", "zlib releases the GIL while it compresses, like NumPy on large arrays"),
    "count the words of 8 long texts with a Python dict loop": (
        "processes", "a loop of Python bytecode holds the GIL; only processes use more cores"),
    "make and sum() 8 lists of a million random Python floats, each task its own list": (
        "processes", "the built-in sum() on Python objects holds the GIL the whole time, and "
        "each task ships only a seed and a number, not the list (a shipped list costs more to "
        "pickle and unpickle than to sum: then neither pool helps)"),
}


#: Section 4: capacity readings (made up, typical of each cause) from machines the notebook did
#: not run on, and their cause.
CAPACITY_CASES = {
    "Binder: 2 copies did the work of 1.9 CPUs in 0.05 s windows and of 1.0 in 1 s windows": (
        "a CPU quota", "a quota is CPU time per 100 ms period: the copies run on both CPUs "
        "until the period's share is spent, then wait, so only windows of several periods "
        "see the quota"),
    "a cloud VM with 2 vCPUs: 1.3 one minute, 1.9 the next; /proc/stat counts steal time": (
        "neighbours on a shared host", "a vCPU is a slice of a host core that other guests "
        "also use; steal is the time the host gave to them"),
    "a desktop whose lscpu says 'Thread(s) per core: 2': 4 copies did 3.9 CPUs, 8 did 5.0": (
        "SMT siblings", "two logical CPUs of one core share its execution units: the second "
        "sibling adds a fraction of a core, not a core"),
    "a laptop with 4 performance and 4 efficiency cores: 8 copies did the work of 6 CPUs": (
        "fast and slow cores", "the copies on the efficiency cores run slower; the one-copy "
        "reference ran on a fast core"),
}


def fetch_trial(fetch_all: Callable[[list[tuple[int, float]]], list[int]],
                sizes: Sequence[int] = (12, 0, 16), slack: float = 0.15,
                ) -> Callable[[], str | None]:
    """Exercise 3: trials of ``fetch_all(jobs)`` on random waits of 50–200 ms, taking the
    number of jobs from ``sizes`` in turn (an empty batch too).

    A trial passes when ``fetch_all`` returns the task numbers in order within the longest
    wait plus ``slack`` seconds: only possible if every wait overlaps every other one.
    """
    function("fetch_all", fetch_all)
    sizes = [whole_number("a size", size, minimum=0) for size in sizes]
    whole_number("number of sizes", len(sizes), minimum=1)
    seconds("slack", slack)
    turns = itertools.cycle(sizes)

    def trial() -> str | None:
        jobs = [(i, random.uniform(0.05, 0.2)) for i in range(next(turns))]
        longest = max((wait for _, wait in jobs), default=0.0)
        with Timer() as timer:
            got = fetch_all(jobs)
        if got != [i for i, _ in jobs]:
            return (f"{len(jobs)} jobs: returned {got!r}, expected the task numbers "
                    f"{[i for i, _ in jobs]} in order")
        if timer.elapsed > longest + slack:
            return (f"{len(jobs)} jobs took {timer.elapsed:.2f} s, but the longest wait is "
                    f"{longest:.2f} s: some waits did not overlap")
        return None

    return trial
