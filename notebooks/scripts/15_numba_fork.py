"""numba parallel=True in the parent, then a fork-based pool whose worker runs parallel code."""
import json
import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numba


@numba.njit(parallel=True)
def sum_parallel(n):
    total = 0.0
    for i in numba.prange(n):
        total += math.log(i + 1.0) + i**1.1
    return total


if __name__ == "__main__":
    sum_parallel(1000)  # the parent starts numba's threads
    try:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            outcome = pool.submit(sum_parallel, 1000).result(timeout=60)
    except BrokenProcessPool as error:
        outcome = type(error).__name__
    print(json.dumps({"layer": numba.threading_layer(), "outcome": outcome}))
