"""helpers.numba_kernels: the importable kernels equal their references; the exercises'
answers hold."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numba import njit, prange

from helpers.exercises import choose_labels, compare_with_reference, passes
from helpers.numba_kernels import answers, experiment, workers

# Each kernel compiles once per dtype; keep the examples few and the arrays small.
FEW = settings(max_examples=25, deadline=None)

small_floats = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
nonnegative_floats = st.floats(0, 1e3, allow_nan=False, allow_infinity=False)


def float_arrays(elements=small_floats, max_side=40):
    return hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=1, min_side=0,
                                                   max_side=max_side), elements=elements)


def tolerance(a: np.ndarray) -> float:
    """Rounding error bound of a float sum: a few ulps of the sum of absolute values."""
    return 1e-12 * (float(np.abs(a).sum()) + 1.0)


# --- sum_1d (the benchmark's plain loop) -------------------------------------------------------

def test_sum_1d_examples():
    assert int(workers.sum_1d_python(np.array([1, 2, 3]))) == 6
    assert workers.sum_1d(np.array([1, 2, 3])) == 6
    assert workers.sum_1d(np.arange(6.0)) == 15.0


@FEW
@given(float_arrays())
def test_sum_1d_adds_in_order_like_the_python_loop(a):
    assert workers.sum_1d(a) == workers.sum_1d_python(a)
    assert math.isclose(workers.sum_1d(a), math.fsum(a), rel_tol=0, abs_tol=tolerance(a))


# --- sum_f: serial and parallel ----------------------------------------------------------------

def test_sum_f_examples():
    a = np.array([1.0, 4.0])
    assert round(workers.sum_f_python(a), 6) == round(experiment.sum_f_numpy(a), 6) == -0.672134


@FEW
@given(float_arrays(nonnegative_floats, max_side=300))
def test_sum_f_versions_equal_numpy(a):
    reference = experiment.sum_f_numpy(a)
    bound = 1e-12 * (float(np.sqrt(a).sum()) + 1.0)
    for kernel in (workers.sum_f, workers.sum_f_parallel):
        assert math.isclose(kernel(a), reference, rel_tol=0, abs_tol=bound)
    assert math.isclose(workers.sum_f_python(a), reference, rel_tol=0, abs_tol=bound)


def test_parallel_sum_does_not_depend_on_the_thread_count():
    a = np.random.default_rng(1).random(100_000)
    results = []
    try:
        for threads in range(1, numba.config.NUMBA_NUM_THREADS + 1):
            numba.set_num_threads(threads)
            results.append(workers.sum_f_parallel(a))
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_allclose(results, experiment.sum_f_numpy(a), rtol=1e-12)


# --- exercise 1: the histogram -----------------------------------------------------------------

def test_histogram_reference_counts_every_bin():
    counts = answers.histogram_reference(np.array([2, 0, 2]), 5)
    assert counts.tolist() == [1, 0, 2, 0, 0] and counts.dtype == np.int64


def test_histogram_cases_cover_big_small_and_empty():
    cases = answers.histogram_cases()
    sizes = [values.size for values, _ in cases]
    assert max(sizes) >= 1_000_000 and 0 in sizes
    assert all(values.max(initial=0) < bins for values, bins in cases)


@njit(parallel=True)
def _histogram_solution(values, bins):  # the notebook's solution
    chunks = numba.get_num_threads()
    partial = np.zeros((chunks, bins), dtype=np.int64)
    size = (values.size + chunks - 1) // chunks
    for c in prange(chunks):
        for i in range(c * size, min((c + 1) * size, values.size)):
            partial[c, values[i]] += 1
    return partial.sum(axis=0)


def test_the_solution_passes_and_a_wrong_kernel_fails(capsys):
    cases = answers.histogram_cases()
    assert passes(compare_with_reference, _histogram_solution, answers.histogram_reference, cases)
    off_by_one = lambda values, bins: answers.histogram_reference(values, bins) + 1  # noqa: E731
    assert not passes(compare_with_reference, off_by_one, answers.histogram_reference, cases)
    assert "expected" in capsys.readouterr().out


def test_the_stub_is_told_to_fill_in(capsys):
    compare_with_reference(lambda values, bins: None, answers.histogram_reference,
                           answers.histogram_cases())
    assert "returns None" in capsys.readouterr().out


# --- exercise 2: plausible or artefact ---------------------------------------------------------

def test_every_claim_has_a_verdict_and_a_reason():
    assert set(answers.ARTEFACT_VERDICTS) == set(answers.ARTEFACT_WHY)
    assert set(answers.ARTEFACT_VERDICTS.values()) == {"plausible", "artefact"}


def test_choose_labels_on_the_claims(capsys):
    right = dict(answers.ARTEFACT_VERDICTS)
    assert passes(choose_labels, right, answers.ARTEFACT_VERDICTS, why=answers.ARTEFACT_WHY)
    wrong = dict(right)
    claim = next(iter(wrong))
    wrong[claim] = "artefact"
    assert not passes(choose_labels, wrong, answers.ARTEFACT_VERDICTS, why=answers.ARTEFACT_WHY)
    assert answers.ARTEFACT_WHY[claim] in capsys.readouterr().out


# --- the capstone's sum at the machine's limit (tools/bench.py) -------------------------------

@pytest.mark.parametrize("n", [0, 1, 7, 40_001])
def test_capstone_kernels_equal_the_article_task(n):
    from helpers.tasks import burn_cpu_math
    reference = burn_cpu_math((0, n))
    for kernel in (workers.capstone_sum, workers.capstone_sum_fastmath,
                   workers.capstone_sum_parallel):
        assert kernel(n) == pytest.approx(reference, rel=1e-9, abs=1e-12)
    assert workers.capstone_numpy(0, n) == pytest.approx(reference, rel=1e-9, abs=1e-12)
    assert experiment.capstone_numpy_split(n, map, 3) == pytest.approx(reference, rel=1e-9,
                                                                     abs=1e-12)


def test_split_covers_the_range_once():
    assert experiment.split(10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert experiment.split(1, 4) == [(0, 1)] and experiment.split(0, 2) == [(0, 0)]


def test_numpy_pieces_on_a_thread_pool_equal_one_thread():
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(2) as pool:
        threaded = experiment.capstone_numpy_split(100_003, pool.map, 2)
    assert threaded == pytest.approx(experiment.capstone_numpy_split(100_003, map, 2), rel=1e-12)
