"""What notebook 08's process pool runs: a cached function and a worker that reports on it.

Under ``spawn`` and ``forkserver`` a pool's workers cannot load a function defined in a
notebook, so these live here; the caches the notebook teaches are written in its cells.
Their doctests are in ``tests/chapters/test_lru_cache.py``.
"""

from __future__ import annotations

import functools
import os
import time
from dataclasses import dataclass

#: How long a pool worker's cached function takes on a miss (seconds).
WORKER_DELAY = 0.02


@functools.cache
def costly_lookup(key: int) -> int:
    """Slow on a miss, instant on a hit: each process has its own cache of it."""
    time.sleep(WORKER_DELAY)
    return key**3


@dataclass(frozen=True)
class WorkerCall:
    """What one call in a pool worker did: which process, which key, and was it a hit."""

    pid: int
    key: int
    result: int
    hit: bool


def lookup_in_worker(key: int) -> WorkerCall:
    """Call :func:`costly_lookup` here and report whether this process's cache had the key."""
    before = costly_lookup.cache_info().misses
    result = costly_lookup(key)
    return WorkerCall(os.getpid(), key, result, costly_lookup.cache_info().misses == before)
