"""Notebook 04's exercises: the reference answers and the trials ``helpers.exercises`` runs.

The process target of the notebook is in :mod:`helpers.threads.workers`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from helpers.timing import Timer

# ---- exercise 1: one deadline for many threads ----

def still_running_reference(threads: Iterable[threading.Thread], budget: float) -> set[str]:
    """Wait at most ``budget`` seconds in all; return the names of the threads still running."""
    deadline = time.monotonic() + budget
    threads = list(threads)
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    return {thread.name for thread in threads if thread.is_alive()}


def still_running_trial(still_running: Callable[[list, float], Any], *, held: int = 4,
                        quick: int = 3, budget: float = 0.3) -> Callable[[], str | None]:
    """One trial for ``check_behaviour``: ``quick`` threads end at once, ``held`` ones do not.

    A correct answer names exactly the held threads and returns after about ``budget``
    seconds; one that gives every thread the whole budget waits ``held × budget``.
    """
    def trial() -> str | None:
        release = threading.Event()
        workers = ([threading.Thread(target=time.sleep, args=(0.01,), name=f"quick-{i}")
                    for i in range(quick)]
                   + [threading.Thread(target=release.wait, args=(10,), name=f"held-{i}")
                      for i in range(held)])
        for worker in workers:
            worker.start()
        try:
            with Timer() as timer:
                got = still_running(list(workers), budget)
        finally:
            release.set()
            for worker in workers:
                worker.join(timeout=5)
        want = {f"held-{i}" for i in range(held)}
        if got is None:
            return "returned None: return the set of names of the threads still alive"
        if set(got) != want:
            return f"expected {sorted(want)}, got {sorted(got)}"
        if timer.elapsed > budget + max(0.3, budget):
            return (f"took {timer.elapsed:.2f} s for a budget of {budget} s: each join "
                    "should get only what is left of the budget")
        return None

    return trial


# ---- exercise 2: what happens at interpreter exit ----

EXIT_OUTCOMES = ("finishes its work", "is cut off", "hangs the exit")

EXIT_CASES = {
    "a daemon thread with 2 s of work; the main thread ends at once": "is cut off",
    "the same daemon thread, but the main thread calls join() on it": "finishes its work",
    "a non-daemon thread with 1 s of work; the main thread ends at once": "finishes its work",
    "a non-daemon `while not stop.is_set()` loop; `atexit.register(stop.set)`": "hangs the exit",
}

EXIT_WHY = {
    "a daemon thread with 2 s of work; the main thread ends at once":
        "nothing waits for a daemon thread: it dies with the interpreter",
    "the same daemon thread, but the main thread calls join() on it":
        "join() waits for it, daemon or not",
    "a non-daemon thread with 1 s of work; the main thread ends at once":
        "the interpreter waits for every non-daemon thread before it exits",
    "a non-daemon `while not stop.is_set()` loop; `atexit.register(stop.set)`":
        "atexit handlers run only after the non-daemon threads have ended: stop is never set",
}
