"""Numba kernels for notebook 08, each next to the plain Python or NumPy code it must equal.

Every compiled kernel is built from a plain Python function defined here, so the notebook can show
one source and compare the interpreted and the compiled version of the *same* code. Compilation
happens on the first call for each argument type (``njit`` is lazy), never at import.

>>> import numpy as np
>>> a = np.arange(6.0).reshape(2, 3)
>>> float(sum_2d_python(a)), float(sum_2d(a)), float(a.sum())
(15.0, 15.0, 15.0)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numba import guvectorize, njit, prange, vectorize
from numba.core.registry import CPUDispatcher

from helpers.checks import feedback
from helpers.timing import Measurement

# --------------------------------------------------------------------------------------------
# The article's experiment: a double loop over a 2-D array.


def sum_2d_python(arr):
    """The article's ``sum_array``: add every element of a 2-D array with two Python loops.

    >>> float(sum_2d_python(np.ones((3, 4))))
    12.0
    """
    length, height = arr.shape
    sum_res = 0.0
    for i in range(length):
        for j in range(height):
            sum_res += arr[i, j]
    return sum_res


#: The same function compiled by numba (``@njit`` is ``@jit``: nopython mode is the only mode).
sum_2d = njit(sum_2d_python)


# --------------------------------------------------------------------------------------------
# A 1-D reduction, strict and with fastmath.


def sum_1d_python(a):
    """Add the elements of a 1-D array in order, one at a time.

    Integer arrays give an integer, float arrays a float.

    >>> int(sum_1d_python(np.array([1, 2, 3])))
    6
    """
    acc = 0
    for i in range(a.size):
        acc += a[i]
    return acc


#: Strict IEEE order: every addition waits for the one before it.
sum_1d = njit(sum_1d_python)
#: ``fastmath=True`` lets LLVM reassociate the additions (and so use SIMD lanes).
sum_1d_fastmath = njit(fastmath=True)(sum_1d_python)


# --------------------------------------------------------------------------------------------
# A compute-heavy reduction: serial, parallel (prange) and GIL-free versions of one source.


def f_scalar(x):
    """The per-element work of the ufunc examples: ``sqrt(x) * sin(x)`` (compute-bound).

    >>> f_scalar(0.0)
    0.0
    """
    return math.sqrt(x) * math.sin(x)


def sum_f_python(a):
    """Sum of ``f_scalar`` over a 1-D float array; ``prange`` runs as ``range`` unless parallel.

    >>> round(sum_f_python(np.array([1.0, 4.0])), 6)
    -0.672134
    """
    total = 0.0
    for i in prange(a.size):
        total += math.sqrt(a[i]) * math.sin(a[i])
    return total


def sum_f_numpy(a: np.ndarray) -> float:
    """NumPy reference for :func:`sum_f_python`: whole-array operations.

    >>> round(sum_f_numpy(np.array([1.0, 4.0])), 6)
    -0.672134
    """
    return float(np.sum(np.sqrt(a) * np.sin(a)))


#: Compiled, one thread, holds the GIL while it runs (the default).
sum_f = njit(sum_f_python)
#: Compiled, and releases the GIL while it runs: threads can run it at the same time.
sum_f_nogil = njit(nogil=True)(sum_f_python)
#: Compiled with ``parallel=True``: the ``prange`` loop is split over numba's threads and the
#: scalar ``total`` becomes a reduction (each thread keeps its own partial sum).
sum_f_parallel = njit(parallel=True)(sum_f_python)


# --------------------------------------------------------------------------------------------
# A race and its fix.


@njit(parallel=True)
def count_racy(n, k):
    """WRONG on purpose: count ``i % k`` for ``i < n``; iterations on different threads add into
    the same ``counts[i % k]``.

    ``counts[i % k] += 1`` is a read, an add and a write; two threads that interleave lose updates.
    """
    counts = np.zeros(k, dtype=np.int64)
    for i in prange(n):
        counts[i % k] += 1
    return counts


@njit(parallel=True)
def count_safe(n, k):
    """Count ``i % k`` for ``i < n``: the parallel loop is over the ``k`` counters, so each
    parallel iteration owns its element and adds into a private scalar.

    >>> count_safe(10, 4).tolist()
    [3, 3, 2, 2]
    """
    counts = np.zeros(k, dtype=np.int64)
    for j in prange(k):
        c = 0
        for _ in range(j, n, k):
            c += 1
        counts[j] = c
    return counts


def count_reference(n: int, k: int) -> np.ndarray:
    """NumPy reference for the counters: how many ``i < n`` have ``i % k == j``, for each ``j``.

    >>> count_reference(10, 4).tolist()
    [3, 3, 2, 2]
    """
    for name, value, lowest in (("n", n, 0), ("k", k, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < lowest:
            raise ValueError(f"{name} must be an int >= {lowest}, got {value!r}")
    return np.bincount(np.arange(n) % k, minlength=k).astype(np.int64)


# --------------------------------------------------------------------------------------------
# Ufuncs: @vectorize and @guvectorize.

UFUNC_TARGETS = ("cpu", "parallel")


def make_ufunc(target: str = "cpu") -> np.ufunc:
    """Compile :func:`f_scalar` into a NumPy ufunc for ``target`` ("cpu" or "parallel").

    With an explicit signature ``@vectorize`` compiles at once (here, when this is called).

    >>> u = make_ufunc("cpu")
    >>> u(np.array([0.0, 1.0])).round(6).tolist()
    [0.0, 0.841471]
    """
    if target not in UFUNC_TARGETS:
        raise ValueError(f"target must be one of {UFUNC_TARGETS}, got {target!r}")
    return vectorize(["float64(float64)"], target=target)(f_scalar)


def matmul_python(A, B, C):
    """The article's ``matmul`` for ``@guvectorize``, with an accumulator: writes A @ B into C.

    >>> C = np.empty((1, 1)); matmul_python(np.ones((1, 2)), np.ones((2, 1)), C); C.tolist()
    [[2.0]]
    """
    m, n = A.shape
    p = B.shape[1]
    for i in range(m):
        for j in range(p):
            acc = 0.0
            for k in range(n):
                acc += A[i, k] * B[k, j]
            C[i, j] = acc


def make_matmul() -> np.ufunc:
    """Compile :func:`matmul_python` as a generalised ufunc ``(m,n),(n,p)->(m,p)``.

    It loops over any leading dimensions: a stack of matrices is multiplied pair by pair.

    >>> mm = make_matmul()
    >>> mm(np.eye(2), np.full((2, 2), 3.0)).tolist()
    [[3.0, 3.0], [3.0, 3.0]]
    """
    return guvectorize(["void(float64[:,:], float64[:,:], float64[:,:])"],
                       "(m,n),(n,p)->(m,p)")(matmul_python)


# --------------------------------------------------------------------------------------------
# A "million-fold" speedup.


def triangular_python(n):
    """``0 + 1 + ... + (n - 1)`` with a loop, as the article's ``vectorize`` example meant to.

    >>> triangular_python(5)
    10
    """
    res = 0
    for i in range(n):
        res += i
    return res


#: Compiled: LLVM recognises the loop and replaces it by the closed form ``n (n - 1) / 2``.
triangular = njit(triangular_python)


# --------------------------------------------------------------------------------------------
# Measuring compilation.


def first_and_later(func: Callable[..., Any], *args: Any, repeat: int = 5
                    ) -> tuple[float, list[float]]:
    """Time ``func(*args)`` once (for a new numba function: compile + run), then ``repeat`` times.

    >>> first, later = first_and_later(njit(lambda x: x + 1), 1, repeat=3)
    >>> first > max(later), len(later)
    (True, 3)
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
        raise ValueError(f"repeat must be an int >= 1, got {repeat!r}")
    start = time.perf_counter()
    func(*args)
    first = time.perf_counter() - start
    later = []
    for _ in range(repeat):
        start = time.perf_counter()
        func(*args)
        later.append(time.perf_counter() - start)
    return first, later


def interleaved(calls: Mapping[str, Callable[[], Any]], *, repeat: int = 7, warmup: int = 1
                ) -> dict[str, Measurement]:
    """Time several calls in rounds (one of each per round), so that a burst of load from other
    programs disturbs all of them alike rather than one of them only.

    Returns a :class:`helpers.timing.Measurement` per name (every time, and the last result).

    >>> found = interleaved({"sum": lambda: sum(range(100)), "len": lambda: len("abc")}, repeat=3)
    >>> [(name, len(m.times), m.result) for name, m in found.items()]
    [('sum', 3, 4950), ('len', 3, 3)]
    """
    if not isinstance(calls, Mapping) or not calls:
        raise TypeError("calls must be a non-empty mapping of name -> function of no arguments")
    if not all(callable(call) for call in calls.values()):
        raise TypeError("every value in calls must be callable with no arguments")
    for name, value, lowest in (("repeat", repeat, 1), ("warmup", warmup, 0)):
        if not isinstance(value, int) or isinstance(value, bool) or value < lowest:
            raise ValueError(f"{name} must be an int >= {lowest}, got {value!r}")
    for _ in range(warmup):
        for call in calls.values():
            call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    results: dict[str, Any] = {}
    for _ in range(repeat):
        for name, call in calls.items():
            start = time.perf_counter()
            results[name] = call()
            times[name].append(time.perf_counter() - start)
    return {name: Measurement(tuple(times[name]), results[name]) for name in calls}


def is_compiled(func: Any) -> bool:
    """True for a numba ``@jit``/``@njit`` function (a CPU dispatcher), False otherwise.

    >>> is_compiled(sum_2d), is_compiled(sum_2d_python)
    (True, False)
    """
    return isinstance(func, CPUDispatcher)


# --------------------------------------------------------------------------------------------
# Exercise checkers: they print feedback and return a bool, and never raise on a wrong answer.


def count_above_python(a: np.ndarray, threshold: float) -> int:
    """Reference for exercise 1: how many elements of ``a`` are greater than ``threshold``.

    >>> count_above_python(np.array([0.1, 0.7, 0.9]), 0.5)
    2
    """
    return int(np.count_nonzero(np.asarray(a) > threshold))


def check_count_above(func: Any) -> bool:
    """Exercise 1: is ``func(a, threshold)`` a ``parallel=True`` numba kernel that counts right?"""
    if func is None or not callable(func):
        print("Not yet: pass your compiled function itself, e.g. check_count_above(count_above).")
        return False
    problems = []
    if not is_compiled(func):
        problems.append("decorate the function with @njit(parallel=True)")
    elif not func.targetoptions.get("parallel"):
        problems.append("it compiles, but without parallel=True the prange loop runs serially")
    rng = np.random.default_rng(8)
    cases = [(rng.random(n), t) for n, t in ((1, 0.5), (1000, 0.5), (100_003, 0.9), (50, 2.0))]
    cases.append((np.array([0.5, 0.5, 0.6]), 0.5))  # strictly greater
    for a, threshold in cases:
        expected = count_above_python(a, threshold)
        try:
            got = func(a, threshold)
        except Exception as error:  # the learner's code: report, do not crash the cell
            problems.append(f"{a.size} values, threshold {threshold}: raised "
                            f"{type(error).__name__}: {str(error).splitlines()[0]}")
            break
        if got is None:
            problems.append("your function returns None: return the count")
            break
        if got != expected:
            problems.append(f"{a.size} values, threshold {threshold}: expected {expected}, got "
                            f"{got!r}. Hint: count values strictly greater than the threshold, "
                            "into a scalar (numba turns it into a reduction)")
    return feedback(problems, "your parallel kernel counts exactly like NumPy in every case")


#: Reported speedups for exercise 2, whether each is believable, and why.
SPEEDUP_CLAIMS = {
    "@njit loop vs the same pure-Python loop over a float array: 60x": (
        "plausible", "compiled machine code against the interpreter: 10-1000x is normal"),
    "parallel=True on 2 cores vs the same @njit function: 100 000x": (
        "artefact", "threads multiply by at most the core count"),
    "fastmath=True on a float sum: 2.5x": (
        "plausible", "reassociation lets LLVM use SIMD lanes: up to the SIMD width"),
    "@njit triangular(n): same time for n = 1 000 and n = 1 000 000 000": (
        "artefact", "the loop was replaced by a formula (or removed): time must grow with n"),
    "@vectorize(target='parallel') on 2 cores vs target='cpu': 1.8x": (
        "plausible", "at most the number of cores"),
    "a numba function timed on its first call vs NumPy: 0.01x": (
        "artefact", "the first call includes compilation"),
}


def check_speedup_claims(verdicts: dict[str, str]) -> bool:
    """Exercise 2: ``verdicts`` maps each claim in ``SPEEDUP_CLAIMS`` to "plausible"/"artefact"."""
    if not isinstance(verdicts, dict):
        print("Not yet: verdicts must be a dict: claim -> 'plausible' or 'artefact'.")
        return False
    problems = []
    for claim, (answer, _why) in SPEEDUP_CLAIMS.items():
        got = verdicts.get(claim)
        if got not in ("plausible", "artefact"):
            problems.append(f"{claim!r}: answer 'plausible' or 'artefact' (got {got!r})")
        elif got != answer:
            problems.append(f"{claim!r}: not {got}. Compare the figure with cores x SIMD width, "
                            "and ask what the timing includes")
    return feedback(problems, "every verdict is right: " + "; ".join(
        f"{claim} -> {answer} ({why})" for claim, (answer, why) in SPEEDUP_CLAIMS.items()))
