"""The capstone (notebook 15): the same input for every variant, the task compiled to run on
threads, and which new ways to run Python in parallel this interpreter offers.

The task is the article's ``costly_task`` (``helpers.tasks.burn_cpu``: the sum of ``log(i + 1)``
and ``i ** 1.1`` over ``terms`` integers). The notebook's cells hold the numba kernels and the
pool orchestration; what the pools' workers run is in :mod:`helpers.choosing.workers`, the
figures in :mod:`helpers.choosing.figures`, the exercises in :mod:`helpers.choosing.answers`.

>>> make_tasks(count=2, terms=10)
[(0, 10), (1, 10)]
"""

from __future__ import annotations

import functools
import importlib.util
import math
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass

from helpers import validate
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


@functools.cache
def _nogil_kernel() -> Callable[[int], float]:
    from numba import njit  # here, not at the top: importing this module needs no numba

    @njit(nogil=True)
    def sum_nogil(n):
        total = 0.0
        for i in range(n):
            total += math.log(i + 1.0) + i**1.1
        return total

    return sum_nogil


def burn_numba_nogil(task: tuple[int, int]) -> float:
    """The task compiled with ``nogil=True``: it releases the GIL, so threads run it in parallel."""
    return float(_nogil_kernel()(task[1]))


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
