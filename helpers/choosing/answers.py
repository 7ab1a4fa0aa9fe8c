"""Notebook 15's exercises: situations with the notebook the decision guide points to, and
the reference of the compiled task.

>>> sqrt_sum_reference(0)
(0.0, True)
"""

from __future__ import annotations

import numpy as np

#: Exercise 1: situations and the notebook the decision guide points to.
SITUATIONS = {
    "fetch 5 000 web pages": "12",
    "a loop with branches over a 10-million-element float array": "10",
    "count the words of 200 large texts already in memory": "03",
    "the same slow pure function, called again and again with 20 distinct inputs": "08",
    "a simulation that needs 500 cores": "14",
    "a pool of 2 workers multiplying NumPy matrices runs slower than 1 process": "11",
}
SITUATION_WHY = {
    "fetch 5 000 web pages": "thousands of waits: asyncio",
    "a loop with branches over a 10-million-element float array":
        "arrays of numbers and a loop NumPy cannot express: numba",
    "count the words of 200 large texts already in memory":
        "CPU work on Python objects with a small result (one count per text): a process pool"
        " (a task that returns big objects pays to pickle them back, which can eat the gain)",
    "the same slow pure function, called again and again with 20 distinct inputs":
        "repeated inputs: cache the results with lru_cache",
    "a simulation that needs 500 cores": "more than one machine: MPI or Dask",
    "a pool of 2 workers multiplying NumPy matrices runs slower than 1 process":
        "each worker's BLAS starts its own threads: limit them to one level",
}


def sqrt_sum_reference(n: int) -> tuple[float, bool]:
    """Exercise 2's reference: (the sum of ``sqrt(i)`` for ``i`` in ``range(n)``, compiled)."""
    return float(np.sqrt(np.arange(n, dtype=np.float64)).sum()), True
