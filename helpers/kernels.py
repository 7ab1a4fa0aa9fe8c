"""What notebook 10 cannot keep in its cells: kernels a child process or ``tools/bench.py``
imports, and the reference answers of its exercises.

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


def sum_f_numpy(a: np.ndarray) -> float:
    """NumPy reference for :func:`sum_f_python`: whole-array operations."""
    return float(np.sum(np.sqrt(a) * np.sin(a)))


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
#: On a thread pool, bigger blocks: each block's few ufunc calls hand the GIL over and back,
#: and waking the other thread takes time. In one interleaved run on the course's 2-vCPU
#: development VM (Python 3.11, a shared host), two threads reached 0.76 of twice the one-core
#: rate with 16 000-term blocks and 0.94 with 65 536 (runs vary; measure on your machine).
THREAD_BLOCK = 65_536


def capstone_numpy(start: int, stop: int, block: int = BLOCK) -> float:
    """The task's terms ``start <= i < stop`` on NumPy arrays (the ufuncs release the GIL)."""
    total = 0.0
    for low in range(start, stop, block):
        i = np.arange(low, min(low + block, stop), dtype=np.float64)
        total += float(np.log1p(i).sum() + np.power(i, 1.1).sum())
    return total


def split(n: int, parts: int) -> list[tuple[int, int]]:
    """``range(n)`` cut into ``parts`` contiguous ``(start, stop)`` pieces of near-equal size.

    >>> split(10, 3)
    [(0, 3), (3, 6), (6, 10)]
    """
    bounds = [n * k // parts for k in range(parts + 1)]
    return [(bounds[k], bounds[k + 1]) for k in range(parts) if bounds[k] < bounds[k + 1]] \
        or [(0, 0)]


def capstone_numpy_split(n: int, mapper, parts: int, block: int = BLOCK) -> float:
    """One task, its range cut in ``parts`` pieces: ``mapper`` is ``map`` (one thread, in
    turn) or a thread pool's ``map`` (at once)."""
    return sum(mapper(lambda piece: capstone_numpy(*piece, block), split(n, parts)))


# ---- exercise 1: repair a racy parallel histogram ------------------------------------------


def histogram_reference(values: np.ndarray, bins: int) -> np.ndarray:
    """How many of ``values`` (integers in ``0 .. bins - 1``) fall in each bin: NumPy's count."""
    return np.bincount(values, minlength=bins).astype(np.int64)


def histogram_cases() -> list[tuple[np.ndarray, int]]:
    """Arrays big enough for threads to collide, small ones, an empty one, and one hot bin."""
    rng = np.random.default_rng(8)
    return [(rng.integers(0, 4, size=2_000_000), 4),
            (rng.integers(0, 256, size=1_000_003), 256),
            (np.zeros(500_000, dtype=np.int64), 3),
            (np.array([2, 0, 2], dtype=np.int64), 5),
            (np.zeros(0, dtype=np.int64), 2)]


# ---- exercise 2: plausible or artefact? -----------------------------------------------------

#: Reported speedups, and whether each is believable on a 2-core machine with 4-8 SIMD lanes.
ARTEFACT_VERDICTS = {
    "@njit loop vs the same pure-Python loop over a float array: 60x": "plausible",
    "parallel=True on 2 cores vs the same @njit function: 100 000x": "artefact",
    "fastmath=True on a float sum: 2.5x": "plausible",
    "@njit triangular(n): same time for n = 1 000 and n = 1 000 000 000": "artefact",
    "@vectorize(target='parallel') on 2 cores vs target='cpu': 1.8x": "plausible",
    "a numba function timed on its first call vs NumPy: 0.01x": "artefact",
    "prange on 2 cores, 4 threads, vs serial @njit: 3.6x": "artefact",
}

#: Why, told to a learner who chose the other label.
ARTEFACT_WHY = {
    "@njit loop vs the same pure-Python loop over a float array: 60x":
        "compiled machine code against the interpreter: 10-1000x is normal",
    "parallel=True on 2 cores vs the same @njit function: 100 000x":
        "threads multiply by at most the core count",
    "fastmath=True on a float sum: 2.5x":
        "reassociation lets LLVM use SIMD lanes: up to the SIMD width",
    "@njit triangular(n): same time for n = 1 000 and n = 1 000 000 000":
        "the loop was replaced by a formula: time must grow with n",
    "@vectorize(target='parallel') on 2 cores vs target='cpu': 1.8x":
        "below the number of cores",
    "a numba function timed on its first call vs NumPy: 0.01x":
        "the first call includes compilation",
    "prange on 2 cores, 4 threads, vs serial @njit: 3.6x":
        "4 threads on 2 cores still run on 2 cores: at most 2x",
}
