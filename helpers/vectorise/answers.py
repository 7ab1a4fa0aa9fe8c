"""Notebook 09's exercises: the references, cases and answers the checks of
:mod:`helpers.exercises` compare with (no checker is written here).

>>> float(huber_reference(np.array([0.5, -3.0]), 1.0))
2.625
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import numpy as np


def huber_loop(x: np.ndarray, delta: float) -> float:
    """Exercise 1's loop, as the learner receives it: the Huber loss, summed."""
    total = 0.0
    for value in x:
        size = abs(value)
        if size <= delta:
            total += 0.5 * value * value
        else:
            total += delta * (size - 0.5 * delta)
    return total


def huber_reference(x: np.ndarray, delta: float) -> float:
    """The same sum on whole arrays (the reference the learner's version is compared with)."""
    size = np.abs(x)
    return float(np.where(size <= delta, 0.5 * x * x, delta * (size - 0.5 * delta)).sum())


def huber_cases() -> list[tuple[np.ndarray, float]]:
    """Arrays with values on both sides of delta, exactly at it, all inside, all outside."""
    rng = np.random.default_rng(18)
    return [(rng.normal(size=1000), 1.0), (np.array([-2.0, -1.0, 0.0, 1.0, 2.0]), 1.0),
            (rng.normal(scale=5, size=500), 0.5), (np.zeros(3), 2.0),
            (rng.uniform(3, 4, size=100), 1.5)]


def quadratic(x: np.ndarray) -> np.ndarray:
    """Exercise 2's expression as first written: four temporaries the size of ``x``."""
    return 2.0 * x * x + 3.0 * x + 1.0


def quadratic_trial(func: Callable[[np.ndarray, np.ndarray], np.ndarray], *,
                    elements: int = 1_000_000) -> Callable[[], str | None]:
    """Exercise 2: ``func(x, out)`` must write ``2x² + 3x + 1`` into ``out`` and return it,
    leaving ``x`` as it was and allocating less than a tenth of ``x``'s size (tracemalloc)."""

    def trial() -> str | None:
        x = np.random.default_rng().normal(size=elements)
        original, want, out = x.copy(), quadratic(x), np.empty_like(x)
        started = not tracemalloc.is_tracing()
        if started:
            tracemalloc.start()
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        try:
            got = func(x, out)
            peak = tracemalloc.get_traced_memory()[1] - before
        finally:
            if started:
                tracemalloc.stop()
        if got is not out:
            return "return out itself: the result must be written into the array given"
        if not np.array_equal(x, original):
            return "x changed: compute into out, leave the input as it was"
        if not np.allclose(got, want, rtol=1e-12, atol=1e-12):
            return "the values differ from 2.0 * x * x + 3.0 * x + 1.0"
        if peak > x.nbytes / 10:
            return (f"it allocated {peak / 2**20:.1f} MiB on the way "
                    f"({peak / x.nbytes:.1f}× the array): a temporary is left")
        return None

    return trial


#: Exercise 3: bandwidth-bound, compute-bound, or dominated by the call's fixed overhead.
BOUND = {
    "y = x + 1.0 on 50 million floats": "bandwidth",
    "np.dot(x, y) on two 100 MB vectors": "bandwidth",
    "a @ b for two 2000 × 2000 float64 matrices": "compute",
    "np.sin(x) on 10 million floats": "compute",
    "x + y on two 10-element arrays, in a Python loop of a million calls": "overhead",
}
BOUND_WHY = {
    "y = x + 1.0 on 50 million floats":
        "1 flop per 16 bytes moved: far left of the ridge",
    "np.dot(x, y) on two 100 MB vectors":
        "2 flops per 16 bytes read, arrays far bigger than any cache",
    "a @ b for two 2000 × 2000 float64 matrices":
        "2·n³ flops on 3·n² numbers: about n/12 = 167 flops per byte",
    "np.sin(x) on 10 million floats":
        "each sine costs tens of instructions for 16 bytes moved (measured ~10× a copy)",
    "x + y on two 10-element arrays, in a Python loop of a million calls":
        "10 elements take nanoseconds; each call's dispatch takes about a microsecond",
}
