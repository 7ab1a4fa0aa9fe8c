"""Notebook 12's instruments: the heartbeat that measures a frozen loop, its longest tick, the
size of the loop's default thread pool, and the closed form that checks the workers' sums.

The coroutines the chapter teaches live in the notebook; what its process pool runs is in
:mod:`helpers.coroutines.workers`.

>>> sum_of_squares(4) == 0 + 1 + 4 + 9
True
>>> default_thread_bound(2)
6
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

from helpers.tracing import Recorder, Span, task_name
from helpers.validate import number, whole_number


def sum_of_squares(n: int) -> int:
    """The closed form of ``workers.cpu_work``, ``(n - 1) n (2n - 1) / 6``, to check its results."""
    n = whole_number("n", n, minimum=0)
    return (n - 1) * n * (2 * n - 1) // 6


async def heartbeat(recorder: Recorder, interval: float = 0.01) -> None:
    """Tick every ``interval`` seconds until cancelled, recording each tick as a span.

    A tick much longer than ``interval`` means the loop was frozen. Cancel the task (and await
    it) to stop it.
    """
    if not isinstance(recorder, Recorder):
        raise TypeError(f"recorder must be a helpers.tracing.Recorder, got "
                        f"{type(recorder).__name__}")
    interval = number("interval", interval, positive=True)
    worker = task_name()
    while True:
        with recorder.span("tick", worker=worker):
            await asyncio.sleep(interval)


def longest(spans: Sequence[Span], task: Any = "tick") -> float:
    """The longest duration among the spans of ``task`` (a heartbeat's longest tick)."""
    durations = [s.duration for s in spans if isinstance(s, Span) and s.task == task]
    if not durations:
        raise ValueError(f"no span of task {task!r}")
    return max(durations)


def default_thread_bound(cpus: int | None = None) -> int:
    """Size of ``ThreadPoolExecutor()``, hence of the loop's default executor (``to_thread``).

    ``min(32, cpus + 4)``, where ``cpus`` is ``os.cpu_count()`` up to Python 3.12 and
    ``os.process_cpu_count()`` (CPU affinity) from 3.13.
    """
    if cpus is None:
        counter = getattr(os, "process_cpu_count", os.cpu_count)
        cpus = counter() or 1
    return min(32, whole_number("cpus", cpus, minimum=1) + 4)
