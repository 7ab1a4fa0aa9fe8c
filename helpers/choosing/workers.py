"""What notebook 15's process pools run besides the article's task (``helpers.tasks``): the
best one-core code, which section 2's pool runs (``ON_PROCESSES``).

Under ``spawn`` and ``forkserver`` a pool's workers cannot load a function defined in a
notebook, so these live here. A worker imports numba only when it runs compiled code.
"""

from __future__ import annotations

# ---- the best one-core code, importable by a process pool's workers (section 2) ----

def numpy_task(task: tuple[int, int]) -> float:
    """The task on NumPy arrays in blocks of 16 000 terms: the notebook's one-core NumPy code."""
    from helpers.numba_kernels.workers import capstone_numpy  # numba only when used

    return capstone_numpy(0, task[1])


def numba_serial_task(task: tuple[int, int]) -> float:
    """The task compiled (``@njit``): the notebook's ``numba_serial``."""
    from helpers.numba_kernels.workers import capstone_sum

    return float(capstone_sum(task[1]))


def numba_fastmath_task(task: tuple[int, int]) -> float:
    """The task compiled with ``fastmath=True``: the notebook's ``numba_fastmath``."""
    from helpers.numba_kernels.workers import capstone_sum_fastmath

    return float(capstone_sum_fastmath(task[1]))


#: The notebook's one-core variants, as functions a process pool's workers can import.
ON_PROCESSES = {"NumPy vectorised": numpy_task, "numba serial": numba_serial_task,
                "numba fastmath": numba_fastmath_task}
