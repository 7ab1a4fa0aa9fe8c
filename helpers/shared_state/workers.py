"""What notebook 07's child processes run: Process targets, pool workers and initializers.

Under ``spawn`` and ``forkserver`` a child cannot load a function defined in a notebook, so
these few live here; everything the notebook teaches around them is written in its cells.
Their tests are in ``tests/chapters/test_shared_state.py``.
"""

from __future__ import annotations

import os
import time
from multiprocessing import shared_memory
from typing import Any

import numpy as np


def article_worker(items: list, value: Any, array: Any) -> None:
    """The article's ``my_func`` with a list added, no print, and each update under its lock."""
    items.append(os.getpid())  # the child's own copy of the list
    with value.get_lock():  # the article writes value1.value += 1 without it
        value.value += 1
        index = value.value  # read under the same lock: the index this process made
    with array.get_lock():
        array[index] += 1


_shared: dict[str, Any] = {}


def install(counter: Any, barrier: Any) -> None:
    """Pool initializer: keep the counter and barrier that ``initargs`` brought, in a global."""
    _shared["counter"], _shared["barrier"] = counter, barrier


def bump(task: tuple[int, bool]) -> float:
    """Add 1 to the installed counter ``increments`` times (under ``get_lock()`` if ``locked``).

    Returns the seconds this worker's loop took, timed after all workers met at the barrier.
    """
    increments, locked = task
    counter, barrier = _shared["counter"], _shared["barrier"]
    if barrier is not None:
        barrier.wait(timeout=20)  # everyone starts together (BrokenBarrierError, never a hang)
    start = time.perf_counter()
    if locked:
        for _ in range(increments):
            with counter.get_lock():  # one critical section around read, add and write
                counter.value += 1
    else:
        for _ in range(increments):
            counter.value += 1  # a locked read, then a locked write: two critical sections
    return time.perf_counter() - start


def formula(start: int, stop: int) -> np.ndarray:
    """``sqrt(i) + 0.5 i`` for ``i`` in ``[start, stop)``: correctly rounded, so bit-exact."""
    i = np.arange(start, stop, dtype=np.float64)
    return np.sqrt(i) + 0.5 * i


def fill_slice(task: tuple[str, int, int, int]) -> tuple[int, int, int]:
    """Attach to block ``name`` (``n`` float64), write ``formula`` into ``[start, stop)``, close.

    Never unlinks: the block belongs to the parent. Returns ``(start, stop, pid)``.
    """
    name, n, start, stop = task
    block = shared_memory.SharedMemory(name=name)
    try:  # the view is a temporary, gone before close(), which refuses while a view lives
        np.frombuffer(block.buf, dtype=np.float64, count=n)[start:stop] = formula(start, stop)
    finally:
        block.close()
    return start, stop, os.getpid()


def nbytes_in_block(name: str) -> int:
    """Receive only a block's name, attach to it, and return its size in bytes."""
    block = shared_memory.SharedMemory(name=name)
    try:
        return block.size
    finally:
        block.close()


def sum_to_pipe(conn: Any, start: int, stop: int) -> None:
    """Send ``formula(start, stop).sum()`` through ``conn``, then close this end."""
    try:
        conn.send(float(formula(start, stop).sum()))
    finally:
        conn.close()
