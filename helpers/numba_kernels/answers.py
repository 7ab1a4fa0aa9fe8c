"""Notebook 10's exercises: the reference histogram and its cases (exercise 1), and whether each
reported speedup is plausible, with the reason (exercise 2).
"""

from __future__ import annotations

import numpy as np

# ---- exercise 1: repair a racy parallel histogram ------------------------------------------


def histogram_reference(values: np.ndarray, bins: int) -> np.ndarray:
    """How many of ``values`` (integers in ``0 .. bins - 1``) fall in each bin: NumPy's count."""
    return np.bincount(values, minlength=bins).astype(np.int64)


def histogram_cases() -> list[tuple[np.ndarray, int]]:
    """Arrays big enough for threads to collide, small ones, an empty one, and one hot bin."""
    rng = np.random.default_rng(8)
    return [(rng.integers(0, 4, size=2_000_000), 4),
            (rng.integers(0, 256, size=1_000_003), 256),
            (np.zeros(500_000, dtype=np.int64), 3),
            (np.array([2, 0, 2], dtype=np.int64), 5),
            (np.zeros(0, dtype=np.int64), 2)]


# ---- exercise 2: plausible or artefact? -----------------------------------------------------

#: Reported speedups, and whether each is believable on a 2-core machine with 4-8 SIMD lanes.
ARTEFACT_VERDICTS = {
    "@njit loop vs the same pure-Python loop over a float array: 60x": "plausible",
    "parallel=True on 2 cores vs the same @njit function: 100 000x": "artefact",
    "fastmath=True on a float sum: 2.5x": "plausible",
    "@njit triangular(n): same time for n = 1 000 and n = 1 000 000 000": "artefact",
    "@vectorize(target='parallel') on 2 cores vs target='cpu': 1.8x": "plausible",
    "a numba function timed on its first call vs NumPy: 0.01x": "artefact",
    "prange on 2 cores, 4 threads, vs serial @njit: 3.6x": "artefact",
}

#: Why, told to a learner who chose the other label.
ARTEFACT_WHY = {
    "@njit loop vs the same pure-Python loop over a float array: 60x":
        "compiled machine code against the interpreter: 10-1000x is normal",
    "parallel=True on 2 cores vs the same @njit function: 100 000x":
        "threads multiply by at most the core count",
    "fastmath=True on a float sum: 2.5x":
        "reassociation lets LLVM use SIMD lanes: up to the SIMD width",
    "@njit triangular(n): same time for n = 1 000 and n = 1 000 000 000":
        "the loop was replaced by a formula: time must grow with n",
    "@vectorize(target='parallel') on 2 cores vs target='cpu': 1.8x":
        "below the number of cores",
    "a numba function timed on its first call vs NumPy: 0.01x":
        "the first call includes compilation",
    "prange on 2 cores, 4 threads, vs serial @njit: 3.6x":
        "4 threads on 2 cores still run on 2 cores: at most 2x",
}
