"""What notebook 11's child processes import: BLAS-limiting initializers, a BLAS task, and
memory probes that report a child's own memory (USS, or RSS where the platform lacks it).

No matplotlib here: every start method imports this module in its workers.
"""

from __future__ import annotations

import time
from multiprocessing.connection import Connection
from multiprocessing.shared_memory import SharedMemory
from typing import NamedTuple

import numpy as np
import psutil
from threadpoolctl import threadpool_info, threadpool_limits

from helpers.tracing import Span, current_worker


class BlasResult(NamedTuple):
    """One task's checksum, the BLAS threads its worker had, and when it ran."""

    checksum: float
    threads: int
    span: Span


def blas_threads() -> int:
    """The most threads any BLAS library loaded in this process would use now (0: none)."""
    return max((lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"),
               default=0)


def limit_blas(threads: int) -> None:
    """Pool initializer: cap this worker's BLAS at ``threads`` for the rest of its life."""
    threadpool_limits(limits=threads, user_api="blas")


def blas_task(task: tuple[int, int]) -> BlasResult:
    """Multiply two seeded ``n × n`` matrices (``task = (seed, n)``); report the threads used."""
    seed, n = task
    rng = np.random.default_rng(seed)
    a, b = rng.random((n, n)), rng.random((n, n))
    start = time.perf_counter()
    checksum = float((a @ b).sum())
    span = Span(current_worker(), seed, start, time.perf_counter())
    return BlasResult(checksum, blas_threads(), span)


def own_memory() -> dict[str, int]:
    """This process's memory in bytes: ``uss`` (pages only it holds) where psutil can read it,
    else ``rss`` under that name too, with ``measure`` saying which one it is."""
    process = psutil.Process()
    try:
        full = process.memory_full_info()
        return {"uss": full.uss, "rss": full.rss, "measure": "USS"}
    except (AttributeError, psutil.AccessDenied):
        rss = process.memory_info().rss
        return {"uss": rss, "rss": rss, "measure": "RSS"}


def touch_and_report(items: list, array: np.ndarray, conn: Connection) -> None:
    """Process target: own memory at start, after reading every item, after summing the array."""
    at_start = own_memory()
    total = 0
    for item in items:  # only reads: yet each item's reference count is written
        total += item
    after_list = own_memory()
    array_sum = float(array.sum())  # reads the data buffer, writes no page of it
    conn.send({"start": at_start, "after list": after_list, "after array": own_memory(),
               "list sum": total, "array sum": array_sum})
    conn.close()


def attach_and_report(name: str, shape: tuple[int, ...], conn: Connection) -> None:
    """Process target: view a shared-memory block as float64s, sum it, report own memory."""
    block = SharedMemory(name=name)
    try:
        view = np.ndarray(shape, dtype=np.float64, buffer=block.buf)
        array_sum = float(view.sum())
        del view  # release the buffer before closing the block
        conn.send({"array sum": array_sum, "after array": own_memory()})
    finally:
        block.close()
        conn.close()
