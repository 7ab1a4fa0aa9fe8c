"""Workers and checkers for notebook 01 (threads, processes and the GIL).

Pool workers must be importable by child processes under every start method, so they live
here and the notebook shows their source.

>>> wait_io((3, 0.01))
3
>>> round(burn_cpu_math((0, 1000)) / burn_cpu((0, 1000)), 12)
1.0
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.pool import ThreadPool
from typing import Any

import numpy as np

from helpers.checks import feedback
from helpers.machine import mp_context
from helpers.timing import Timer
from helpers.tracing import CpuSampler, Recorder, Span, Traced

#: The article sleeps 1 s and sums 2 × 500 000 terms per task; scaled down so the whole
#: notebook runs in well under a minute. Raise them to see the same shapes at full size.
IO_WAIT_SECONDS = 0.2
CPU_TERMS = 40_000


def _check_task(inputs: Any, size_name: str) -> tuple[int, Any]:
    if not (isinstance(inputs, tuple) and len(inputs) == 2):
        raise TypeError(f"expected a (task_number, {size_name}) tuple, got {inputs!r}")
    return inputs


def wait_io(inputs: tuple[int, float]) -> int:
    """Wait ``seconds`` as a network or disk call would (the GIL is released), return the task.

    >>> wait_io((7, 0))
    7
    """
    task, seconds = _check_task(inputs, "seconds")
    if not isinstance(seconds, (int, float)) or seconds < 0:
        raise ValueError(f"seconds must be a number >= 0, got {seconds!r}")
    time.sleep(seconds)
    return task


def _check_terms(terms: Any) -> int:
    if not isinstance(terms, int) or isinstance(terms, bool):
        raise TypeError(f"terms must be an int, got {type(terms).__name__}")
    if terms < 1:
        raise ValueError(f"terms must be >= 1, got {terms}")
    return terms


def burn_cpu(inputs: tuple[int, int]) -> float:
    """The article's CPU task: NumPy *scalar* functions called once per Python int.

    >>> round(burn_cpu((0, 3)), 6)  # log 1 + log 2 + log 3 + 0**1.1 + 1**1.1 + 2**1.1
    4.935306
    """
    _, terms = _check_task(inputs, "terms")
    n = _check_terms(terms)
    step1 = [np.log(i + 1) for i in range(n)] + [np.power(i, 1.1) for i in range(n)]
    return float(sum(step1))


def burn_cpu_math(inputs: tuple[int, int]) -> float:
    """The same sum with the ``math`` module and Python floats: no NumPy call per element.

    >>> math.isclose(burn_cpu_math((0, 500)), burn_cpu((0, 500)), rel_tol=1e-12)
    True
    """
    _, terms = _check_task(inputs, "terms")
    n = _check_terms(terms)
    return sum(math.log(i + 1) for i in range(n)) + sum(i**1.1 for i in range(n))


def burn_cpu_vectorised(inputs: tuple[int, int]) -> float:
    """The same sum on whole NumPy arrays: one call per array, the loop runs in C.

    >>> math.isclose(burn_cpu_vectorised((0, 500)), burn_cpu((0, 500)), rel_tol=1e-12)
    True
    """
    _, terms = _check_task(inputs, "terms")
    i = np.arange(_check_terms(terms), dtype=np.float64)
    return float(np.log1p(i).sum() + np.power(i, 1.1).sum())


def costly_task(inputs: tuple[int, str]) -> float:
    """The article's ``costly_task``: an I/O-like or a CPU-bound task, chosen by ``task_type``.

    >>> costly_task((0, "io_costly"))
    0.0
    """
    task, task_type = _check_task(inputs, "task_type")
    if task_type == "io_costly":
        wait_io((task, IO_WAIT_SECONDS))
        return 0.0
    if task_type == "cpu_costly":
        return burn_cpu((task, CPU_TERMS))
    raise ValueError(f"task_type must be 'io_costly' or 'cpu_costly', got {task_type!r}")


RUN_KINDS = ("sequential", "thread pool", "process pool")


@dataclass(frozen=True)
class Run:
    """One experiment: how it ran, its results in task order, spans, CPU samples, wall time."""

    kind: str
    workers: int | None
    results: list[Any]
    spans: list[Span]
    sampler: CpuSampler
    elapsed: float
    cpu_seconds: float

    @property
    def workers_seen(self) -> int:
        """How many distinct workers ran at least one task."""
        return len({s.worker for s in self.spans})

    @property
    def work_seconds(self) -> float:
        """From the first task's start to the last task's end: wall time without pool start-up."""
        return max(s.end for s in self.spans) - min(s.start for s in self.spans)

    @property
    def process_cpu_ratio(self) -> float:
        """CPU time of *this* process per second of wall time (1.0 = one core busy)."""
        return self.cpu_seconds / self.elapsed


def run(
    kind: str, func: Callable[[Any], Any], tasks: Sequence[Any], workers: int | None = None,
    *, timeout: float = 60.0,
) -> Run:
    """Run ``func`` over ``tasks`` one after another, on a thread pool or on a process pool.

    ``workers=None`` keeps the pool's own default size. Every task is traced, the machine's
    CPUs are sampled, and the wait for results has a ``timeout`` so nothing can hang.
    """
    if kind not in RUN_KINDS:
        raise ValueError(f"kind must be one of {RUN_KINDS}, got {kind!r}")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be an int >= 1 or None, got {workers!r}")
    tasks = list(tasks)
    if not tasks:
        raise ValueError("tasks must not be empty")
    traced, recorder = Traced(func), Recorder()
    cpu_start = time.process_time()
    with CpuSampler() as sampler, Timer() as timer:
        if kind == "sequential":
            outcomes = [traced(task) for task in tasks]
        else:
            pool_type = ThreadPool if kind == "thread pool" else mp_context().Pool
            with pool_type(workers) as pool:
                outcomes = pool.map_async(traced, tasks).get(timeout=timeout)
    results = recorder.collect(outcomes)
    return Run(kind, workers, results, recorder.spans, sampler, timer.elapsed,
               time.process_time() - cpu_start)


def ideal_speedup(workers: int, tasks: int, cpus: int) -> int:
    """Best possible speedup of equal CPU-bound tasks: nothing runs faster than all CPUs busy.

    >>> ideal_speedup(workers=4, tasks=8, cpus=2)
    2
    """
    for name, value in (("workers", workers), ("tasks", tasks), ("cpus", cpus)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    return min(workers, tasks, cpus)


def io_rounds_time(tasks: int, workers: int, seconds: float) -> float:
    """Wall time of ``tasks`` equal waits on ``workers`` threads: they run in full rounds.

    >>> io_rounds_time(tasks=10, workers=4, seconds=0.2)
    0.6000000000000001
    """
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (tasks, workers)):
        raise TypeError("tasks and workers must be ints")
    if tasks < 1 or workers < 1:
        raise ValueError(f"tasks and workers must be >= 1, got {tasks} and {workers}")
    if not isinstance(seconds, (int, float)) or seconds < 0:
        raise ValueError(f"seconds must be a number >= 0, got {seconds!r}")
    return math.ceil(tasks / workers) * seconds


# ---- exercise checkers: they print feedback and return True only for a correct answer ----

def check_io_prediction(predict: Callable[[int, int, float], float]) -> bool:
    """Exercise 1: does ``predict(tasks, workers, seconds)`` give the wall time of an I/O pool?"""
    if not callable(predict):
        raise TypeError("pass your function itself: check_io_prediction(predict_io_time)")
    cases = [(10, 2, 0.2), (10, 10, 0.2), (10, 3, 0.2), (1, 8, 1.0), (20, 1, 0.05), (7, 7, 0.5)]
    problems, answers = [], []
    for tasks, workers, seconds in cases:
        expected = io_rounds_time(tasks, workers, seconds)
        try:
            got = predict(tasks, workers, seconds)
        except Exception as error:  # the learner's code: report, do not crash the cell
            problems.append(f"predict({tasks}, {workers}, {seconds}) raised {error!r}")
            continue
        answers.append(got)
        if not isinstance(got, (int, float)) or not math.isclose(got, expected, rel_tol=1e-9):
            problems.append(
                f"{tasks} waits of {seconds} s on {workers} threads: expected {expected:.3g} s, "
                f"got {got!r}. Hint: a thread does one wait at a time, so count rounds."
            )
    return feedback(problems, "your prediction matches the round-by-round model in every case",
                     answers)


#: Workloads for exercise 2, with the right pool and why.
WORKLOADS = {
    "download 200 web pages": (
        "threads", "each task waits on the network; the GIL is released while waiting"),
    "a pure-Python loop over 10 million integers, split in 8 chunks": (
        "processes", "pure-Python bytecode holds the GIL; only separate processes use more cores"),
    "read 50 files from a network drive": (
        "threads", "waiting on I/O releases the GIL, and threads are cheap to start"),
    "parse 100 large JSON documents already in memory": (
        "processes", "json parsing is CPU work that holds the GIL"),
}


def check_pool_choice(choice: dict[str, str]) -> bool:
    """Exercise 2: ``choice`` maps each workload in ``WORKLOADS`` to "threads" or "processes"."""
    if not isinstance(choice, dict):
        raise TypeError("choice must be a dict: workload -> 'threads' or 'processes'")
    problems = []
    for workload, (answer, _reason) in WORKLOADS.items():
        got = choice.get(workload)
        if got not in ("threads", "processes"):
            problems.append(f"{workload!r}: answer 'threads' or 'processes' (got {got!r})")
        elif got != answer:
            problems.append(f"{workload!r}: not {got} - think about what the task spends "
                            "its time on")
    return feedback(problems, "every workload has the right pool: " + "; ".join(
        f"{w} -> {a} ({r})" for w, (a, r) in WORKLOADS.items()))


def check_ideal_speedup(ideal: Callable[[int, int, int], float]) -> bool:
    """Exercise 3: does ``ideal(workers, tasks, cpus)`` give the best possible CPU speedup?"""
    if not callable(ideal):
        raise TypeError("pass your function itself: check_ideal_speedup(my_ideal)")
    cases = [(1, 8, 2), (2, 8, 2), (4, 8, 2), (8, 3, 16), (16, 100, 4), (3, 3, 3)]
    problems, answers = [], []
    for workers, tasks, cpus in cases:
        expected = ideal_speedup(workers, tasks, cpus)
        try:
            got = ideal(workers, tasks, cpus)
        except Exception as error:  # the learner's code: report, do not crash the cell
            problems.append(f"ideal({workers}, {tasks}, {cpus}) raised {error!r}")
            continue
        answers.append(got)
        if got != expected:
            problems.append(f"{workers} workers, {tasks} tasks, {cpus} CPUs: expected "
                            f"{expected}, got {got!r}. Which of the three runs out first?")
    return feedback(problems, "your ideal speedup is right in every case", answers)
