"""Every numba kernel of notebook 08 against a pure-Python or NumPy reference."""

from __future__ import annotations

import functools
import math

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numba import njit, prange

from helpers import kernels

# Each kernel compiles once per dtype; keep the examples few and the arrays small.
FEW = settings(max_examples=25, deadline=None)

small_floats = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
nonnegative_floats = st.floats(0, 1e3, allow_nan=False, allow_infinity=False)
small_ints = st.integers(-10**6, 10**6)


def float_arrays(elements=small_floats, ndim=1, min_side=0, max_side=40):
    return hnp.arrays(np.float64, hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=min_side,
                                                   max_side=max_side), elements=elements)


def int_arrays(ndim=1, min_side=0, max_side=40):
    return hnp.arrays(np.int64, hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=min_side,
                                                 max_side=max_side), elements=small_ints)


def tolerance(a: np.ndarray) -> float:
    """Rounding error bound of a float sum: a few ulps of the sum of absolute values."""
    return 1e-12 * (float(np.abs(a).sum()) + 1.0)


# --- sum_2d ------------------------------------------------------------------------------------

@FEW
@given(float_arrays(ndim=2))
def test_sum_2d_equals_the_python_loop_bit_for_bit(arr):
    assert kernels.sum_2d(arr) == kernels.sum_2d_python(arr)
    assert math.isclose(kernels.sum_2d(arr), float(arr.sum()), rel_tol=0, abs_tol=tolerance(arr))


@FEW
@given(int_arrays(ndim=2))
def test_sum_2d_on_integers_is_exact(arr):
    assert kernels.sum_2d(arr) == float(arr.sum())


# --- sum_1d, strict and fastmath ---------------------------------------------------------------

@FEW
@given(int_arrays())
def test_integer_sums_are_exact_with_and_without_fastmath(a):
    expected = int(a.sum())
    assert kernels.sum_1d(a) == kernels.sum_1d_fastmath(a) == kernels.sum_1d_python(a) == expected


@FEW
@given(float_arrays())
def test_float_sums_agree_within_rounding(a):
    strict = kernels.sum_1d(a)
    assert strict == kernels.sum_1d_python(a)  # same order of additions
    assert math.isclose(kernels.sum_1d_fastmath(a), math.fsum(a), rel_tol=0, abs_tol=tolerance(a))
    assert math.isclose(strict, math.fsum(a), rel_tol=0, abs_tol=tolerance(a))


# --- sum_f: serial, nogil, parallel ------------------------------------------------------------

@FEW
@given(float_arrays(nonnegative_floats, max_side=300))
def test_sum_f_versions_equal_numpy(a):
    reference = kernels.sum_f_numpy(a)
    bound = 1e-12 * (float(np.sqrt(a).sum()) + 1.0)
    for kernel in (kernels.sum_f, kernels.sum_f_nogil, kernels.sum_f_parallel):
        assert math.isclose(kernel(a), reference, rel_tol=0, abs_tol=bound)
    assert math.isclose(kernels.sum_f_python(a), reference, rel_tol=0, abs_tol=bound)


def test_parallel_sum_does_not_depend_on_the_thread_count():
    a = np.random.default_rng(1).random(100_000)
    results = []
    for threads in range(1, numba.config.NUMBA_NUM_THREADS + 1):
        numba.set_num_threads(threads)
        results.append(kernels.sum_f_parallel(a))
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_allclose(results, kernels.sum_f_numpy(a), rtol=1e-12)


def test_f_scalar():
    assert kernels.f_scalar(0.0) == 0.0
    assert math.isclose(kernels.f_scalar(4.0), 2 * math.sin(4.0))


# --- counters: safe and racy -------------------------------------------------------------------

@FEW
@given(st.integers(0, 5000), st.integers(1, 9))
def test_count_safe_equals_numpy(n, k):
    np.testing.assert_array_equal(kernels.count_safe(n, k), kernels.count_reference(n, k))


def test_count_racy_is_right_on_one_thread():
    numba.set_num_threads(1)
    try:
        counts = kernels.count_racy(10_000, 3)
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_array_equal(counts, kernels.count_reference(10_000, 3))


@pytest.mark.parametrize("n, k", [(-1, 2), (5, 0), (5, 1.5), (True, 2)])
def test_count_reference_rejects_bad_input(n, k):
    with pytest.raises(ValueError, match="must be an int"):
        kernels.count_reference(n, k)


# --- ufuncs ------------------------------------------------------------------------------------

@functools.cache
def compiled_ufunc(target: str) -> np.ufunc:
    return kernels.make_ufunc(target)  # compile once per test session


@functools.cache
def compiled_matmul() -> np.ufunc:
    return kernels.make_matmul()


@FEW
@given(float_arrays(nonnegative_floats, max_side=200))
def test_ufuncs_equal_numpy(a):
    for ufunc in map(compiled_ufunc, kernels.UFUNC_TARGETS):
        np.testing.assert_allclose(ufunc(a), np.sqrt(a) * np.sin(a), rtol=1e-12, atol=1e-300)


def test_make_ufunc_rejects_an_unknown_target():
    with pytest.raises(ValueError, match="target must be one of"):
        kernels.make_ufunc("cuda")


@FEW
@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 6), st.integers(1, 6),
       st.integers(0, 99))
def test_guvectorize_matmul_equals_numpy(stack, m, n, p, seed):
    matmul = compiled_matmul()
    rng = np.random.default_rng(seed)
    a, b = rng.random((stack, m, n)), rng.random((stack, n, p))
    np.testing.assert_allclose(matmul(a, b), a @ b, rtol=1e-12)


def test_matmul_python_writes_the_product():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    c = np.empty((2, 4))
    kernels.matmul_python(a, b, c)
    np.testing.assert_array_equal(c, a @ b)


# --- triangular --------------------------------------------------------------------------------

@FEW
@given(st.integers(0, 3000))
def test_triangular_equals_the_loop_and_the_formula(n):
    assert kernels.triangular(n) == kernels.triangular_python(n) == n * (n - 1) // 2


def test_triangular_large_n_equals_the_formula():
    n = 10**9
    assert kernels.triangular(n) == n * (n - 1) // 2


# --- measuring ---------------------------------------------------------------------------------

def test_first_and_later_separates_the_compiling_call():
    fresh = njit(lambda x: x * 3)
    first, later = kernels.first_and_later(fresh, 2, repeat=4)
    assert len(later) == 4 and first > max(later)
    assert fresh.signatures == [(numba.int64,)]


@pytest.mark.parametrize("func, repeat, error", [
    (42, 3, TypeError), (abs, 0, ValueError), (abs, 1.5, ValueError), (abs, True, ValueError)])
def test_first_and_later_rejects_bad_input(func, repeat, error):
    with pytest.raises(error):
        kernels.first_and_later(func, -1, repeat=repeat)


def test_interleaved_times_every_call_in_rounds():
    order = []
    found = kernels.interleaved({"a": lambda: order.append("a") or 1,
                                 "b": lambda: order.append("b") or 2}, repeat=3, warmup=1)
    assert order == ["a", "b"] * 4
    assert {name: (len(m.times), m.result) for name, m in found.items()} == {"a": (3, 1),
                                                                             "b": (3, 2)}


@pytest.mark.parametrize("calls, repeat, warmup, error", [
    ({}, 3, 1, TypeError), ([abs], 3, 1, TypeError), ({"x": 42}, 3, 1, TypeError),
    ({"x": list}, 0, 1, ValueError), ({"x": list}, 3, -1, ValueError),
    ({"x": list}, True, 1, ValueError)])
def test_interleaved_rejects_bad_input(calls, repeat, warmup, error):
    with pytest.raises(error):
        kernels.interleaved(calls, repeat=repeat, warmup=warmup)


def test_is_compiled():
    assert kernels.is_compiled(kernels.sum_1d)
    assert not kernels.is_compiled(kernels.sum_1d_python)
    assert not kernels.is_compiled(np.sum)


# --- exercise checkers -------------------------------------------------------------------------

@njit(parallel=True)
def _count_above(a, threshold):
    count = 0
    for i in prange(a.size):
        if a[i] > threshold:
            count += 1
    return count


@njit
def _count_above_serial(a, threshold):
    return (a > threshold).sum()


def test_count_above_python():
    assert kernels.count_above_python(np.array([1.0, 2.0, 3.0]), 2.0) == 1


def test_check_count_above_accepts_a_right_answer(capsys):
    assert kernels.check_count_above(_count_above) is True
    assert "✔" in capsys.readouterr().out


def test_check_count_above_explains_wrong_answers(capsys):
    assert kernels.check_count_above(None) is False
    assert "pass your compiled function" in capsys.readouterr().out
    assert kernels.check_count_above(_count_above_serial) is False
    assert "without parallel=True" in capsys.readouterr().out
    assert kernels.check_count_above(lambda a, t: int((a >= t).sum())) is False
    out = capsys.readouterr().out
    assert "@njit(parallel=True)" in out and "expected 1, got 3" in out
    assert kernels.check_count_above(lambda a, t: None) is False
    assert "returns None" in capsys.readouterr().out
    assert kernels.check_count_above(lambda a, t: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_check_speedup_claims(capsys):
    right = {claim: answer for claim, (answer, _) in kernels.SPEEDUP_CLAIMS.items()}
    assert kernels.check_speedup_claims(right) is True
    wrong = dict(right)
    claim = next(iter(wrong))
    wrong[claim] = "artefact"
    assert kernels.check_speedup_claims(wrong) is False
    assert "not artefact" in capsys.readouterr().out
    assert kernels.check_speedup_claims({}) is False
    assert kernels.check_speedup_claims(["plausible"]) is False
    assert "must be a dict" in capsys.readouterr().out
