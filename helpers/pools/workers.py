"""The workers of notebook 03: what its process pools run, importable under every start method.

A spawned or forkserver worker cannot load a function defined in a notebook, so every function
a pool of notebook 03 runs lives here. They stay lean (no argument checks): the notebook's cells
hold the orchestration around them. Their tests are in ``tests/chapters/test_pools.py``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any


def sleep_task(inputs: tuple[int, float]) -> int:
    """Wait ``seconds`` (a task of known length that needs no CPU) and return the task number."""
    task, seconds = inputs
    time.sleep(seconds)
    return task


def spin(n: int) -> int:
    """Pure-Python CPU work that grows with ``n``: the sum of squares below ``n``."""
    total = 0
    for i in range(n):
        total += i * i
    return total


def echo(payload: Any) -> Any:
    """Return the argument unchanged: it is pickled on the way in *and* on the way out."""
    return payload


def size_of(payload: bytes) -> int:
    """Return the payload's length: it crosses one way, only a small int comes back."""
    return len(payload)


def fail_on(inputs: tuple[int, int]) -> int:
    """Return ``task * 10``, but raise ``ValueError`` when ``task == bad``."""
    task, bad = inputs
    if task == bad:
        raise ValueError(f"task {task} failed on purpose")
    return task * 10


def die(code: int) -> None:
    """End the worker process at once with ``os._exit(code)``: no exception, no clean-up."""
    os._exit(code)


# The initializer pattern: data sent once per worker, kept in a module global.
_TABLE: Sequence[float] | None = None


def init_table(table: Sequence[float]) -> None:
    """Pool ``initializer``: keep ``table`` in this worker for :func:`lookup`."""
    global _TABLE
    _TABLE = table


def lookup(index: int) -> float:
    """Read ``table[index]`` from the table :func:`init_table` stored in this worker."""
    if _TABLE is None:
        raise RuntimeError("no table in this worker: create the pool with "
                           "initializer=init_table, initargs=(table,)")
    return float(_TABLE[index])


def lookup_in(inputs: tuple[Sequence[float], int]) -> float:
    """Read ``table[index]`` from a table sent *with every task*."""
    table, index = inputs
    return float(table[index])
