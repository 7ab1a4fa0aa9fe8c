"""Notebook 10's parent-side pieces: the NumPy reference of ``sum_f``, and the capstone's task
cut into pieces for a thread pool's ``map`` (``tools/bench.py``).

>>> split(10, 3)
[(0, 3), (3, 6), (6, 10)]
"""

from __future__ import annotations

import numpy as np

from helpers.numba_kernels.workers import BLOCK, capstone_numpy


def sum_f_numpy(a: np.ndarray) -> float:
    """NumPy reference for ``workers.sum_f_python``: whole-array operations."""
    return float(np.sum(np.sqrt(a) * np.sin(a)))


#: On a thread pool, bigger blocks: each block's few ufunc calls hand the GIL over and back,
#: and waking the other thread takes time. In one interleaved run on the course's 2-vCPU
#: development VM (Python 3.11, a shared host), two threads reached 0.76 of twice the one-core
#: rate with 16 000-term blocks and 0.94 with 65 536 (runs vary; measure on your machine).
THREAD_BLOCK = 65_536


def split(n: int, parts: int) -> list[tuple[int, int]]:
    """``range(n)`` cut into ``parts`` contiguous ``(start, stop)`` pieces of near-equal size."""
    bounds = [n * k // parts for k in range(parts + 1)]
    return [(bounds[k], bounds[k + 1]) for k in range(parts) if bounds[k] < bounds[k + 1]] \
        or [(0, 0)]


def capstone_numpy_split(n: int, mapper, parts: int, block: int = BLOCK) -> float:
    """One task, its range cut in ``parts`` pieces: ``mapper`` is ``map`` (one thread, in
    turn) or a thread pool's ``map`` (at once)."""
    return sum(mapper(lambda piece: capstone_numpy(*piece, block), split(n, parts)))
