"""The capstone (notebook 15): the same input for every variant, and what its workers import.

The task is the article's ``costly_task`` (``helpers.gil.burn_cpu``: the sum of ``log(i + 1)``
and ``i ** 1.1`` over ``terms`` integers). The notebook's cells hold the numba kernels and the
pool orchestration; here are the tasks, a pool worker that reports its own CPU time, the
one-core code section 2's process pool runs (:data:`ON_PROCESSES`), the interpreter's features
and the exercises' references.
The figures are in :mod:`helpers.choosing_plots`.

>>> make_tasks(count=2, terms=10)
[(0, 10), (1, 10)]
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import sys
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from helpers import validate
from helpers.gil import burn_cpu
from helpers.machine import gil_enabled

#: 8 tasks of 50 000 terms (the article: 10 of 500 000): the slowest way takes about half a
#: second here. Raise both to see the same shapes at full size.
TASKS = 8
TERMS = 50_000


def make_tasks(count: int = TASKS, terms: int = TERMS) -> list[tuple[int, int]]:
    """The same input for every variant: ``count`` tasks ``(task_number, terms)``."""
    validate.whole_number("count", count, minimum=1)
    validate.whole_number("terms", terms, minimum=1)
    return [(task, terms) for task in range(count)]


def burn_cpu_timed(task: tuple[int, int]) -> tuple[float, float, int]:
    """A pool worker: the article's task, with the CPU seconds it took and this worker's pid."""
    start = time.process_time()
    value = burn_cpu(task)
    return value, time.process_time() - start, os.getpid()


@functools.cache
def _nogil_kernel() -> Callable[[int], float]:
    from numba import njit  # here, not at the top: the pool workers above need no numba

    @njit(nogil=True)
    def sum_nogil(n):
        total = 0.0
        for i in range(n):
            total += math.log(i + 1.0) + i**1.1
        return total

    return sum_nogil


def burn_numba_nogil(task: tuple[int, int]) -> float:
    """The task compiled with ``nogil=True`` (``tools/bench.py`` runs it on a thread pool)."""
    return float(_nogil_kernel()(task[1]))


# ---- the best one-core code, importable by a process pool's workers (section 2) ----

def numpy_task(task: tuple[int, int]) -> float:
    """The task on NumPy arrays in blocks of 16 000 terms: the notebook's one-core NumPy code."""
    # here: workers import numba only when used
    from helpers.numba_kernels.workers import capstone_numpy

    return capstone_numpy(0, task[1])


def numba_serial_task(task: tuple[int, int]) -> float:
    """The task compiled (``@njit``): the notebook's ``numba_serial``."""
    from helpers.numba_kernels.workers import capstone_sum

    return float(capstone_sum(task[1]))


def numba_fastmath_task(task: tuple[int, int]) -> float:
    """The task compiled with ``fastmath=True``: the notebook's ``numba_fastmath``."""
    from helpers.numba_kernels.workers import capstone_sum_fastmath

    return float(capstone_sum_fastmath(task[1]))


#: The notebook's one-core variants, as functions a process pool's workers can import.
ON_PROCESSES = {"NumPy vectorised": numpy_task, "numba serial": numba_serial_task,
                "numba fastmath": numba_fastmath_task}


# ---- what is changing in Python itself ----

@dataclass(frozen=True)
class InterpreterFeatures:
    """Which of the new ways to run Python in parallel this interpreter offers."""

    version: str
    free_threaded_build: bool
    gil_enabled: bool
    subinterpreters: bool
    interpreter_pool: bool


def interpreter_features() -> InterpreterFeatures:
    """Detect a free-threaded build (3.13t, 3.14t) and subinterpreters (3.14)."""
    import concurrent.futures

    return InterpreterFeatures(
        version=".".join(map(str, sys.version_info[:3])),
        free_threaded_build=bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        gil_enabled=gil_enabled(),
        subinterpreters=importlib.util.find_spec("concurrent.interpreters") is not None,
        interpreter_pool=hasattr(concurrent.futures, "InterpreterPoolExecutor"),
    )


# ---- exercises: the answers and references the notebook's checks compare with ----

#: Exercise 1: situations and the notebook the decision guide points to.
SITUATIONS = {
    "fetch 5 000 web pages": "12",
    "a loop with branches over a 10-million-element float array": "10",
    "count the words of 200 large texts already in memory": "03",
    "the same slow pure function, called again and again with 20 distinct inputs": "08",
    "a simulation that needs 500 cores": "14",
    "a pool of 2 workers multiplying NumPy matrices runs slower than 1 process": "11",
}
SITUATION_WHY = {
    "fetch 5 000 web pages": "thousands of waits: asyncio",
    "a loop with branches over a 10-million-element float array":
        "arrays of numbers and a loop NumPy cannot express: numba",
    "count the words of 200 large texts already in memory":
        "CPU work on Python objects with a small result (one count per text): a process pool"
        " (a task that returns big objects pays to pickle them back, which can eat the gain)",
    "the same slow pure function, called again and again with 20 distinct inputs":
        "repeated inputs: cache the results with lru_cache",
    "a simulation that needs 500 cores": "more than one machine: MPI or Dask",
    "a pool of 2 workers multiplying NumPy matrices runs slower than 1 process":
        "each worker's BLAS starts its own threads: limit them to one level",
}


def sqrt_sum_reference(n: int) -> tuple[float, bool]:
    """Exercise 2's reference: (the sum of ``sqrt(i)`` for ``i`` in ``range(n)``, compiled)."""
    return float(np.sqrt(np.arange(n, dtype=np.float64)).sum()), True
