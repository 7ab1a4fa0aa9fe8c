"""With NUMBA_DISABLE_JIT=1 every @njit function is the plain Python function."""

import time

import numpy as np
from numba import njit


@njit
def sum_squares(a):
    total = 0.0
    for value in a:
        total += value * value
    return total


if __name__ == "__main__":
    ones = np.ones(90_000)
    start = time.perf_counter()
    total = sum_squares(ones)
    print(type(sum_squares).__name__, total, f"{time.perf_counter() - start:.3f}")
