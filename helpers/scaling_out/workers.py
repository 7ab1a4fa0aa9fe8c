"""What notebook 14's process pool and Dask workers run: a task that costs nothing, and one
that burns a given CPU time.

>>> noop(7)
7
"""

from __future__ import annotations

import time
from typing import Any


def noop(x: Any) -> Any:
    """Return ``x``: a task that costs nothing, so all its time is overhead."""
    return x


def spin(task: tuple[int, float]) -> tuple[int, float]:
    """Keep a CPU busy for ``seconds`` of this worker's CPU time; return (task, CPU seconds)."""
    number, seconds = task
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
    return number, time.process_time() - start
