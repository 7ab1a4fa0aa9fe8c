"""Notebook 07's exercises: the reference answers and the trials ``helpers.exercises`` runs.

No checker loop lives here: ``choose_labels``, ``check_behaviour`` and ``check_prediction``
do the checking and the feedback.
"""

from __future__ import annotations

from collections.abc import Callable
from multiprocessing import shared_memory
from multiprocessing.pool import ThreadPool
from typing import Any

import numpy as np

from helpers.shared_state.experiment import block_exists
from helpers.shared_state.workers import formula

#: Exercise 1: statements run by several processes at once on ``v = Value("i", 0)`` and
#: ``a = Array("d", 10)`` (default locks): can they lose updates?
STATEMENTS = {
    "v.value = 5": "safe",
    "v.value += 1": "racy",
    "with v.get_lock(): v.value += 1": "safe",
    "a[3] = a[3] * 2": "racy",
    "total = sum(a[:])": "safe",
    "with a.get_lock(): a[0] += a[1]": "safe",
}
WHY = {
    "v.value = 5": "one write, under the Value's lock: nothing is read first",
    "v.value += 1": "a locked read, then a locked write: another process can write in between",
    "with v.get_lock(): v.value += 1": "read, add and write in one critical section (the lock "
                                       "is recursive, so the inner get and set take it again)",
    "a[3] = a[3] * 2": "two separately locked item accesses: the same gap as +=",
    "total = sum(a[:])": "a[:] copies the whole array under one acquisition of the lock",
    "with a.get_lock(): a[0] += a[1]": "both reads and the write in one critical section",
}


class WorkerFailed(RuntimeError):
    """What the exercise's failing pool raises, as a real worker's exception would."""


class _Result:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def get(self, timeout: float | None = None) -> Any:
        raise self.error


class FailingPool:
    """A stand-in pool whose workers all fail: it notes each block's name, then raises."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def map_async(self, func: Callable[..., Any], tasks: Any, chunksize: int | None = None,
                  **kwargs: Any) -> _Result:
        self.names += [task[0] for task in tasks]
        return _Result(WorkerFailed("a worker raised while filling its slice"))


def owner_trial(fill_shared: Callable[[Any, int], np.ndarray]) -> Callable[[], str | None]:
    """Exercise 2: one trial of ``fill_shared(pool, n)``, once on threads, once failing.

    Fills must be right; a failing worker's error must reach the caller and the block must be
    gone afterwards (the trial then removes any block the learner's code left behind).
    """

    def trial() -> str | None:
        with ThreadPool(2) as pool:  # fill_slice runs the same in threads as in processes
            filled = fill_shared(pool, 1_000)
        if not (isinstance(filled, np.ndarray) and np.array_equal(filled, formula(0, 1_000))):
            return "on a working pool the result differs from formula(0, 1000)"
        failing = FailingPool()
        try:
            fill_shared(failing, 1_000)
            raised = None
        except Exception as error:  # the learner's code: any exception is an outcome
            raised = error
        leaked = [name for name in failing.names if block_exists(name)]
        for name in set(leaked):  # clean up after the learner, so nothing stays in /dev/shm
            block = shared_memory.SharedMemory(name=name)
            block.close()
            block.unlink()
        if not isinstance(raised, WorkerFailed):
            return f"when a worker failed the caller got {raised!r}, not the worker's error"
        if leaked:
            return ("when a worker failed the block was never unlinked: it stays in memory "
                    "until the program ends (unlink in a finally)")
        return None

    return trial
