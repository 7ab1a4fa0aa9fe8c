"""The article's tasks, which chapters 02, 14 and 15 and tools/bench.py share.

A pool's worker pickles by qualified name, so these live in a module a child process can
import under every start method: it loads NumPy and nothing of the course's plotting.

>>> wait_io((3, 0)), costly_task((1, "io_costly"))
(3, 0.0)
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

#: The article sleeps 1 s and sums 2 × 500 000 terms per task; scaled down so the whole
#: notebook runs in well under a minute. Raise them to see the same shapes at full size.
IO_WAIT_SECONDS = 0.2
CPU_TERMS = 40_000


def wait_io(inputs: tuple[int, float]) -> int:
    """Wait as a network or disk call would (the GIL is released); return the task number."""
    task, wait = inputs
    time.sleep(wait)
    return task


def burn_cpu(inputs: tuple[int, int]) -> float:
    """The article's CPU task: NumPy *scalar* functions called once per Python int."""
    _, n = inputs
    step1 = [np.log(i + 1) for i in range(n)] + [np.power(i, 1.1) for i in range(n)]
    return float(sum(step1))


def burn_cpu_math(inputs: tuple[int, int]) -> float:
    """The same sum with the ``math`` module and Python floats: no NumPy call per element."""
    _, n = inputs
    return sum(math.log(i + 1) for i in range(n)) + sum(i**1.1 for i in range(n))


def burn_cpu_vectorised(inputs: tuple[int, int]) -> float:
    """The same sum on whole NumPy arrays: one call per array, the loop runs in C."""
    _, n = inputs
    i = np.arange(n, dtype=np.float64)
    return float(np.log1p(i).sum() + np.power(i, 1.1).sum())


def burn_cpu_timed(inputs: tuple[int, int]) -> tuple[float, float, int]:
    """``burn_cpu``, the CPU seconds this worker spent on it (``time.process_time``), its pid."""
    start = time.process_time()
    value = burn_cpu(inputs)
    return value, time.process_time() - start, os.getpid()


def costly_task(inputs: tuple[int, str]) -> float:
    """The article's ``costly_task``: an I/O-like or a CPU-bound task, chosen by ``task_type``."""
    task, task_type = inputs
    if task_type == "io_costly":
        wait_io((task, IO_WAIT_SECONDS))
        return 0.0
    if task_type == "cpu_costly":
        return burn_cpu((task, CPU_TERMS))
    raise ValueError(f"unknown task_type {task_type!r}: 'io_costly' or 'cpu_costly'")
