"""Notebook 07's parent-side instruments: the cost of one shared write, and whether a block lives.

They run in the parent only, so a child process never imports them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from multiprocessing import shared_memory
from pathlib import Path
from typing import Any

from helpers.timing import measure
from helpers.validate import function, whole_number

#: Where Linux keeps POSIX shared memory; each block is a file named after the block.
SHM_FOLDER = Path("/dev/shm")


def per_op_seconds(op: Callable[[int], Any], n: int, *, repeat: int = 5) -> float:
    """Seconds per call of ``op(i)``: the fastest of ``repeat`` timed loops of ``n`` calls.

    The fastest loop is the least disturbed by other programs; the loop's own cost (tens of
    nanoseconds per call) is included.
    """
    function("op", op)
    whole_number("n", n, minimum=1)

    def loop() -> None:
        for i in range(n):
            op(i)

    return measure(loop, repeat=whole_number("repeat", repeat, minimum=1), warmup=0).min / n


def block_exists(name: str) -> bool:
    """Whether a shared-memory block called ``name`` still exists on this machine.

    On Linux it looks in ``/dev/shm`` (touching nothing); elsewhere it tries to attach.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {name!r}")
    if SHM_FOLDER.is_dir():
        return (SHM_FOLDER / name.lstrip("/")).exists()
    try:  # pragma: no cover - not Linux
        if sys.version_info >= (3, 13):
            block = shared_memory.SharedMemory(name=name, track=False)
        else:
            block = shared_memory.SharedMemory(name=name)
            if os.name == "posix":  # macOS: attaching registered it; Windows has no tracker
                from multiprocessing import resource_tracker
                resource_tracker.unregister(block._name, "shared_memory")
    except FileNotFoundError:
        return False
    block.close()  # pragma: no cover
    return True  # pragma: no cover
