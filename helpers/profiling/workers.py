"""What notebook 01's process pool runs: a task whose time goes to one function, and the same
task under the worker's own cProfile, dumped to a file the parent merges.
"""

from __future__ import annotations

import cProfile


def hot_work(n: int) -> int:
    """A pool task whose time goes to one function: the sum of i*i % 7 for i < n."""
    return sum(i * i % 7 for i in range(n))


def profiled_task(task: tuple[int, str]) -> int:
    """Run ``hot_work(n)`` under this worker's own cProfile and dump it to ``path``."""
    n, path = task
    profile = cProfile.Profile()
    value = profile.runcall(hot_work, n)
    profile.dump_stats(path)
    return value
