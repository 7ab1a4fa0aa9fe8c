"""Notebook 14's exercises: the reference split of tasks over ranks, and the engine that fits
each scenario best, with the reason.

>>> block(1, 3, 10)
(4, 7)
"""

from __future__ import annotations


def block(rank: int, size: int, n_tasks: int) -> tuple[int, int]:
    """Exercise 1's reference: rank's contiguous block ``[start, stop)`` of ``n_tasks`` tasks.

    The first ``n_tasks % size`` ranks take one task more, so loads differ by at most one.
    """
    base, extra = divmod(n_tasks, size)
    start = rank * base + min(rank, extra)
    return start, start + base + (rank < extra)


#: Exercise 2: the engine that fits each scenario best, and why.
SCENARIOS = {
    "a 3-minute analysis of 500 files on your laptop": "process pool",
    "a climate model on 2 048 cores exchanging boundary values every time step": "mpi",
    "20 000 independent model fits on a shared cluster, driven from a notebook": "dask",
    "a pandas-like group-by on a table larger than one machine's memory": "dask",
    "100 000 tasks of 50 µs each, on one 8-core workstation": "process pool",
}
ENGINE_WHY = {
    "a 3-minute analysis of 500 files on your laptop":
        "one machine: a pool starts in a fraction of a second, a cluster in seconds",
    "a climate model on 2 048 cores exchanging boundary values every time step":
        "tightly coupled ranks exchanging messages every step is what MPI is built for",
    "20 000 independent model fits on a shared cluster, driven from a notebook":
        "many independent tasks on a cluster, scheduled dynamically from Python",
    "a pandas-like group-by on a table larger than one machine's memory":
        "dask.dataframe partitions the table over the workers' memory",
    "100 000 tasks of 50 µs each, on one 8-core workstation":
        "one machine, and a Dask task costs about a millisecond even pipelined, 20x the task: "
        "batch them into pool.map chunks",
}
