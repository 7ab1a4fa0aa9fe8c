"""What a child process of notebook 10 (or ``tools/bench.py``'s pool, or notebook 15's workers)
imports: compiled kernels it cannot load from a notebook cell.

The kernels the notebook *teaches* (``@njit`` loops, ``fastmath``, ``prange``, ``nogil``,
``@vectorize``) are written in its cells, where a learner can edit them. The few here are
copies that must be importable: a spawned or forkserver child cannot load a function defined
in a notebook, and the benchmark runs outside any notebook. ``njit`` compiles lazily, on the
first call for each argument type, never at import.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange


def sum_1d_python(a):
    """Add the elements of a 1-D array in order, one at a time."""
    acc = 0
    for i in range(a.size):
        acc += a[i]
    return acc


#: Strict IEEE order (each addition waits for the one before): the benchmark's plain loop.
sum_1d = njit(sum_1d_python)


def sum_f_python(a):
    """Sum of ``sqrt(x) * sin(x)`` over a 1-D array (``prange`` is ``range`` unless parallel)."""
    total = 0.0
    for i in prange(a.size):
        total += math.sqrt(a[i]) * math.sin(a[i])
    return total


#: One thread, holding the GIL (the default).
sum_f = njit(sum_f_python)
#: ``parallel=True``: the ``prange`` loop is split over numba's threads (a reduction on ``total``).
#: The fork hazard script of the notebook runs it in child processes.
sum_f_parallel = njit(parallel=True)(sum_f_python)


# ---- the capstone's task (notebook 15) at the machine's limit, for tools/bench.py ----------


def capstone_sum_python(n):
    """The article's task compiled: the sum of ``log(i + 1) + i ** 1.1`` for ``i < n``."""
    total = 0.0
    for i in prange(n):
        total += math.log(i + 1.0) + i**1.1
    return total


#: One core, strict order; one core, ``fastmath`` (reassociated); every core, ``fastmath``.
capstone_sum = njit(capstone_sum_python)
capstone_sum_fastmath = njit(fastmath=True)(capstone_sum_python)
capstone_sum_parallel = njit(parallel=True, fastmath=True)(capstone_sum_python)


#: NumPy works in blocks of 128 kB: the allocator reuses them (fresh multi-megabyte arrays
#: cost page faults, unequally between threads) and they stay in the CPU cache.
BLOCK = 16_000


def capstone_numpy(start: int, stop: int, block: int = BLOCK) -> float:
    """The task's terms ``start <= i < stop`` on NumPy arrays (the ufuncs release the GIL)."""
    total = 0.0
    for low in range(start, stop, block):
        i = np.arange(low, min(low + block, stop), dtype=np.float64)
        total += float(np.log1p(i).sum() + np.power(i, 1.1).sum())
    return total
