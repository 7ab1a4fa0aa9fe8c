"""Notebook 02's exercises: the reference answers and cases; ``helpers.exercises`` checks."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence

from helpers.timing import Timer
from helpers.validate import function, seconds, whole_number

#: Exercise 2: workloads the notebook did not run, the pool that speeds them up, and why.
WORKLOADS = {
    "call a web API 500 times": (
        "threads", "each call waits on the network, and waiting releases the GIL"),
    "hash 8 in-memory blocks of 200 MB with hashlib.sha256": (
        "threads", "hashlib releases the GIL while it hashes more than 2 KiB: threads use "
        "several cores"),
    "compress 8 large byte strings with zlib.compress": (
        "threads", "zlib releases the GIL while it compresses, like NumPy on large arrays"),
    "count the words of 8 long texts with a Python dict loop": (
        "processes", "a loop of Python bytecode holds the GIL; only processes use more cores"),
    "make and sum() 8 lists of a million random Python floats, each task its own list": (
        "processes", "the built-in sum() on Python objects holds the GIL the whole time, and "
        "each task ships only a seed and a number, not the list (a shipped list costs more to "
        "pickle and unpickle than to sum: then neither pool helps)"),
}


#: Section 4: capacity readings (made up, typical of each cause) from machines the notebook did
#: not run on, and their cause.
CAPACITY_CASES = {
    "Binder: 2 copies did the work of 1.9 CPUs in 0.05 s windows and of 1.0 in 1 s windows": (
        "a CPU quota", "a quota is CPU time per 100 ms period: the copies run on both CPUs "
        "until the period's share is spent, then wait, so only windows of several periods "
        "see the quota"),
    "a cloud VM with 2 vCPUs: 1.3 one minute, 1.9 the next; /proc/stat counts steal time": (
        "neighbours on a shared host", "a vCPU is a slice of a host core that other guests "
        "also use; steal is the time the host gave to them"),
    "a desktop whose lscpu says 'Thread(s) per core: 2': 4 copies did 3.9 CPUs, 8 did 5.0": (
        "SMT siblings", "two logical CPUs of one core share its execution units: the second "
        "sibling adds a fraction of a core, not a core"),
    "a laptop with 4 performance and 4 efficiency cores: 8 copies did the work of 6 CPUs": (
        "fast and slow cores", "the copies on the efficiency cores run slower; the one-copy "
        "reference ran on a fast core"),
}


def fetch_trial(fetch_all: Callable[[list[tuple[int, float]]], list[int]],
                sizes: Sequence[int] = (12, 0, 16), slack: float = 0.15,
                ) -> Callable[[], str | None]:
    """Exercise 3: trials of ``fetch_all(jobs)`` on random waits of 50–200 ms, taking the
    number of jobs from ``sizes`` in turn (an empty batch too).

    A trial passes when ``fetch_all`` returns the task numbers in order within the longest
    wait plus ``slack`` seconds: only possible if every wait overlaps every other one.
    """
    function("fetch_all", fetch_all)
    sizes = [whole_number("a size", size, minimum=0) for size in sizes]
    whole_number("number of sizes", len(sizes), minimum=1)
    seconds("slack", slack)
    turns = itertools.cycle(sizes)

    def trial() -> str | None:
        jobs = [(i, random.uniform(0.05, 0.2)) for i in range(next(turns))]
        longest = max((wait for _, wait in jobs), default=0.0)
        with Timer() as timer:
            got = fetch_all(jobs)
        if got != [i for i, _ in jobs]:
            return (f"{len(jobs)} jobs: returned {got!r}, expected the task numbers "
                    f"{[i for i, _ in jobs]} in order")
        if timer.elapsed > longest + slack:
            return (f"{len(jobs)} jobs took {timer.elapsed:.2f} s, but the longest wait is "
                    f"{longest:.2f} s: some waits did not overlap")
        return None

    return trial
