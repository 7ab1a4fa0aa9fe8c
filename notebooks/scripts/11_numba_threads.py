"""numba's thread pool: NUMBA_NUM_THREADS is read once, at import; set_num_threads masks it."""

import numba
import numpy as np
from numba import njit, prange


@njit(parallel=True)
def total(values):
    result = 0.0
    for i in prange(values.size):
        result += values[i]
    return result


print("NUMBA_NUM_THREADS (read at import):", numba.config.NUMBA_NUM_THREADS)
print("sum:", total(np.ones(10_000)))
print("threading layer:", numba.threading_layer())
numba.set_num_threads(1)  # from now on, parallel regions in this thread use one thread
print("after set_num_threads(1):", numba.get_num_threads())
try:
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS + 1)
except ValueError as error:
    print("more than NUMBA_NUM_THREADS:", "ValueError:", error)
