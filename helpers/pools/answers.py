"""Reference answers and cases for notebook 03's exercises (checked by ``helpers.exercises``)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable

from helpers.exercises import Trial

#: Exercise 1: a workload the notebook did not run. Long tasks come *last*, 3 workers,
#: ``Pool.map`` with its default chunk size. (task number, seconds) pairs for ``sleep_task``.
NEW_WORKLOAD = [(i, 0.04) for i in range(15)] + [(15 + i, 0.25) for i in range(3)]
NEW_WORKERS = 3

#: Exercise 3: which call fits each scenario, and why (the hint for a wrong choice).
SCENARIOS = {
    "show each result as soon as it is ready, in any order": "as_completed",
    "write results to a file in input order while later tasks still run": "imap",
    "a million tiny tasks, all results needed as one list": "map",
    "one odd-shaped call now, its result later, maybe cancel it": "submit",
    "a task may kill its worker; the caller must hear of it, not wait forever": "submit",
}
WHY = {
    "show each result as soon as it is ready, in any order":
        "only as_completed (or imap_unordered) yields in the order tasks finish",
    "write results to a file in input order while later tasks still run":
        "imap yields in input order, one result at a time, without waiting for all",
    "a million tiny tasks, all results needed as one list":
        "Pool.map chunks the work by default (about 4 chunks per worker); one list at the end",
    "one odd-shaped call now, its result later, maybe cancel it":
        "a Future can be waited on with a timeout, or cancelled while pending",
    "a task may kill its worker; the caller must hear of it, not wait forever":
        "a ProcessPoolExecutor future fails with BrokenProcessPool; a Pool's result never comes",
}


def all_results_trial(run_all: Callable[[list[tuple[int, float]]], list[int]]) -> Trial:
    """Exercise 2's trial: ``run_all(tasks)`` must return every task's result, in input order."""
    def trial() -> str | None:
        tasks = [(i, 0.05 * (i % 3)) for i in range(6)]
        try:
            got = run_all(tasks)
        except multiprocessing.TimeoutError:
            return ("a result never came (multiprocessing.TimeoutError): "
                    "was the pool still running while you waited for it?")
        return None if got == list(range(6)) else f"expected [0, 1, 2, 3, 4, 5], got {got!r}"
    return trial
