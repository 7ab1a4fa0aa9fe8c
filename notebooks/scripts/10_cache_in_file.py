"""A function with cache=True in a file: where numba keeps its machine code, and a second run."""

import json
import time

import numpy as np
from numba import njit


@njit(cache=True)
def sum_2d(arr):
    total = 0.0
    for i in range(arr.shape[0]):
        for j in range(arr.shape[1]):
            total += arr[i, j]
    return total


if __name__ == "__main__":
    arr = np.ones((200, 200))
    start = time.perf_counter()
    total = sum_2d(arr)  # compiles, or loads the machine code from the cache
    first = time.perf_counter() - start
    start = time.perf_counter()
    sum_2d(arr)
    second = time.perf_counter() - start
    print(json.dumps({
        "total": total, "first_s": first, "second_s": second,
        "hits": sum(sum_2d.stats.cache_hits.values()),
        "misses": sum(sum_2d.stats.cache_misses.values()),
        "locator": type(sum_2d._cache._impl.locator).__name__,
        "cache_path": sum_2d._cache._cache_path, "script": __file__,
    }))
