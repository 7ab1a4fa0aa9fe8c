"""The models the course measures against: rounds of a pool, the ideal speedup, Amdahl's law.

Three chapters read their timings against these; each lives here once.

>>> rounds(10, 4)
3
>>> makespan(10, 4, 0.25)
0.75
>>> ideal_speedup(workers=4, tasks=10, cpus=2)
2
>>> ideal_speedup(workers=4, tasks=10, cpus=1.6)  # a capacity: what the CPUs give now
1.6
>>> round(amdahl(0.9, 4), 3)
3.077
"""

from __future__ import annotations

import math

from helpers.validate import number, whole_number


def rounds(tasks: int, workers: int) -> int:
    """How many rounds ``workers`` need for ``tasks`` equal tasks: ⌈tasks / workers⌉."""
    whole_number("tasks", tasks, minimum=0)
    whole_number("workers", workers, minimum=1)
    return math.ceil(tasks / workers)


def makespan(tasks: int, workers: int, duration: float) -> float:
    """Wall time of ``tasks`` equal tasks of ``duration`` s on ``workers``: ⌈n/w⌉·d."""
    return rounds(tasks, workers) * number("duration", duration, minimum=0)


def ideal_speedup(*, workers: int, tasks: int, cpus: float) -> float:
    """For CPU work: no more than the workers, the tasks or the CPUs can run at once.

    ``cpus`` is a count, or better the capacity measured in the same rounds
    (:func:`helpers.capacity.measure_capacity`): a shared or throttled machine's CPUs give less.
    """
    for name, value in (("workers", workers), ("tasks", tasks)):
        whole_number(name, value, minimum=1)
    number("cpus", cpus, positive=True)
    return min(workers, tasks, cpus)


def amdahl(parallel_share: float, workers: int) -> float:
    """Amdahl's law: the speedup when ``parallel_share`` of the work spreads over ``workers``."""
    share = number("parallel_share", parallel_share, minimum=0)
    if share > 1:
        raise ValueError(f"parallel_share must be within [0, 1], got {share}")
    whole_number("workers", workers, minimum=1)
    return 1 / ((1 - share) + share / workers)
