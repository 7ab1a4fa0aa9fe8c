"""Notebook 11's parent side: the batches of matrix products its pools run.

>>> matmul_tasks(3, 50)
[(0, 50), (1, 50), (2, 50)]
"""

from __future__ import annotations

from helpers.validate import whole_number


def matmul_tasks(count: int, n: int) -> list[tuple[int, int]]:
    """``count`` tasks of one ``n × n`` product each, seeded 0, 1, 2, …"""
    whole_number("count", count, minimum=1)
    whole_number("n", n, minimum=1)
    return [(seed, n) for seed in range(count)]
