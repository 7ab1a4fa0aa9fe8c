"""Unit tests of helpers.caching: memoisation, Fibonacci, LRU replay, array keys, concurrency."""

import functools
import gc
import multiprocessing
import threading
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers import caching

START_METHODS = multiprocessing.get_all_start_methods()


# ---- memoize ----

def test_memoize_counts_hits_and_misses():
    calls = []

    @caching.memoize
    def double(x):
        calls.append(x)
        return 2 * x

    assert [double(1), double(2), double(1)] == [2, 4, 2]
    assert (double.hits, double.misses, calls) == (1, 2, [1, 2])
    assert double.cache == {(1,): 2, (2,): 4}
    assert double.__name__ == "double"


def test_memoize_rejects_what_is_not_callable():
    with pytest.raises(TypeError, match="memoize needs a function, got int"):
        caching.memoize(3)


# ---- Fibonacci ----

@given(n=st.integers(0, 22))
def test_fib_calls_match_the_formulas(n):
    plain, cached = caching.fib_calls(n, cached=False), caching.fib_calls(n, cached=True)
    assert plain[0] == cached[0] == caching.fib(n) == caching.fresh_cached_fib()(n)
    assert plain[1] == 2 * caching.fib(n + 1) - 1
    assert cached[1] == (n + 1 if n >= 2 else 1)


def test_fresh_cached_fib_starts_cold_every_time():
    first, second = caching.fresh_cached_fib(), caching.fresh_cached_fib()
    first(20)
    assert first.cache_info().misses == 21
    assert second.cache_info().currsize == 0


@pytest.mark.parametrize(("n", "error", "message"), [
    (-1, ValueError, "n must be >= 0, got -1"),
    (2.0, TypeError, "n must be an int, got float"),
    (True, TypeError, "n must be an int, got bool"),
])
def test_fib_rejects_bad_n(n, error, message):
    with pytest.raises(error, match=message):
        caching.fib(n)
    with pytest.raises(error, match=message):
        caching.fib_calls(n, cached=True)


def test_fib_calls_rejects_a_non_bool_cached():
    with pytest.raises(TypeError, match="cached must be True or False"):
        caching.fib_calls(3, cached=1)


# ---- replay, lru_model, access_pattern ----

patterns = st.lists(st.integers(0, 12), max_size=200)


@settings(max_examples=200)
@given(pattern=patterns, maxsize=st.integers(0, 15))
def test_lru_cache_behaves_like_the_ordered_dict_model(pattern, maxsize):
    assert caching.replay(pattern, maxsize) == caching.lru_model(pattern, maxsize)


@given(pattern=patterns, maxsize=st.integers(0, 14))
def test_a_bigger_lru_cache_never_hits_less(pattern, maxsize):
    assert caching.replay(pattern, maxsize + 1)[0] >= caching.replay(pattern, maxsize)[0]


@given(pattern=patterns)
def test_an_unbounded_cache_misses_only_first_uses(pattern):
    assert caching.replay(pattern, None) == (len(pattern) - len(set(pattern)), len(set(pattern)))


def test_replay_thrashes_when_the_loop_is_longer_than_the_cache():
    assert caching.replay("abcabc", 2) == (0, 6)
    assert caching.replay("abcabc", 0) == (0, 6)


@pytest.mark.parametrize("func", [caching.replay, caching.lru_model])
def test_replay_and_model_reject_bad_maxsize(func):
    with pytest.raises(ValueError, match="maxsize must be >= 0, got -1"):
        func("ab", -1)
    with pytest.raises(TypeError, match="maxsize must be an int, got float"):
        func("ab", 2.0)


def test_lru_model_needs_a_size():
    with pytest.raises(TypeError, match="maxsize must be an int, got NoneType"):
        caching.lru_model("ab", None)


@given(length=st.integers(0, 300), keys=st.integers(1, 50), seed=st.integers(0, 10))
def test_access_pattern_is_reproducible_and_in_range(length, keys, seed):
    pattern = caching.access_pattern(length, keys, seed=seed)
    assert pattern == caching.access_pattern(length, keys, seed=seed)
    assert len(pattern) == length and all(0 <= key < keys for key in pattern)


def test_a_skewed_pattern_favours_the_first_keys():
    pattern = caching.access_pattern(5000, 100, skew=1.5, seed=0)
    assert pattern.count(0) > pattern.count(50) * 10


@pytest.mark.parametrize(("args", "kwargs", "error", "message"), [
    ((-1, 5), {}, ValueError, "length must be >= 0"),
    ((10, 0), {}, ValueError, "keys must be >= 1"),
    ((10, 5), {"skew": -0.5}, ValueError, "skew must be a number >= 0"),
    ((10, 5), {"skew": "1"}, ValueError, "skew must be a number >= 0"),
    ((10.0, 5), {}, TypeError, "length must be an int"),
])
def test_access_pattern_rejects_bad_arguments(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        caching.access_pattern(*args, **kwargs)


# ---- ArrayKey and cache_on_arrays ----

arrays = hnp.arrays(dtype=st.sampled_from([np.int8, np.int32, np.float64]),
                    shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5),
                    elements={"allow_nan": False})


@given(a=arrays)
def test_array_key_equals_an_equal_copy(a):
    assert caching.ArrayKey(a) == caching.ArrayKey(a.copy())
    assert hash(caching.ArrayKey(a)) == hash(caching.ArrayKey(a.copy()))


def test_array_key_tells_shape_and_dtype_apart():
    a = np.zeros(4, np.int8)
    assert caching.ArrayKey(a) != caching.ArrayKey(np.zeros(2, np.int16))
    assert caching.ArrayKey(a) != caching.ArrayKey(a.reshape(2, 2))
    assert caching.ArrayKey(a) != "not a key"


def test_array_key_keeps_a_read_only_copy():
    a = np.arange(3)
    key = caching.ArrayKey(a)
    a[0] = 7
    assert key.array.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="read-only"):
        key.array[0] = 1
    assert repr(key) == "ArrayKey(shape=(3,), dtype=int64)"


def test_array_key_handles_non_contiguous_arrays():
    a = np.arange(6).reshape(2, 3).T
    assert caching.ArrayKey(a) == caching.ArrayKey(np.ascontiguousarray(a))
    assert caching.ArrayKey(a).array.tolist() == a.tolist()


def test_array_key_rejects_bad_input():
    with pytest.raises(TypeError, match=r"ArrayKey needs a numpy\.ndarray, got list"):
        caching.ArrayKey([1, 2])
    with pytest.raises(ValueError, match="object array"):
        caching.ArrayKey(np.array([object()]))


@settings(max_examples=100, deadline=None)
@given(a=arrays, changes=st.lists(st.tuples(st.integers(0, 100), st.integers(-5, 5)),
                                  max_size=6))
def test_cache_on_arrays_never_returns_a_different_result_than_a_fresh_call(a, changes):
    @caching.cache_on_arrays(maxsize=4)
    def total(values, scale):
        return float(values.sum()) * scale

    for position, value in changes:
        assert total(a, 2) == total.__wrapped__(a, 2)
        a.flat[position % a.size] = value  # in place, between calls
        assert total(a, 2) == total.__wrapped__(a, 2)
        assert total(values=a, scale=3) == total.__wrapped__(a, 3)


def test_cache_on_arrays_hits_on_equal_contents():
    @caching.cache_on_arrays(maxsize=None)
    def first(values):
        return int(values[0])

    assert first(np.arange(3)) == first(np.arange(3)) == 0
    assert first.cache_info().hits == 1
    first.cache_clear()
    assert first.cache_info().currsize == 0


def test_cache_on_arrays_rejects_bad_arguments():
    with pytest.raises(ValueError, match="maxsize must be >= 0"):
        caching.cache_on_arrays(-2)
    with pytest.raises(TypeError, match="cache_on_arrays needs a function"):
        caching.cache_on_arrays()(42)


def test_the_version_counter_trick_goes_stale():
    holder = caching.VersionedValues()

    @functools.cache
    def add(x, idx):
        return x + int(holder.const.sum())

    holder.set_val(np.arange(10))
    assert add(1, holder.idx) == 46
    holder.const[:] = 0
    assert add(1, holder.idx) == 46  # stale: a fresh call gives 1
    assert add.__wrapped__(1, holder.idx) == 1


def test_versioned_values_rejects_a_non_array():
    with pytest.raises(TypeError, match=r"const must be a numpy\.ndarray, got list"):
        caching.VersionedValues().set_val([1, 2])


def test_cached_nbytes_counts_arrays_only():
    assert caching.cached_nbytes([np.zeros(3), 5, np.zeros(2, np.int8)]) == 26
    assert caching.cached_nbytes([]) == 0


# ---- threads ----

def test_counted_calls_counts_and_rejects_non_callables():
    counted = caching.CountedCalls(lambda x, y=0: x + y)
    assert (counted(1, y=2), counted.count) == (3, 1)
    with pytest.raises(TypeError, match="CountedCalls needs a function"):
        caching.CountedCalls(None)


def test_slow_square_validates_delay():
    assert caching.slow_square(-3, delay=0) == 9
    with pytest.raises(ValueError, match="delay must be a number of seconds >= 0"):
        caching.slow_square(3, delay=-1)


def race(decorate, threads=4):
    counted = caching.CountedCalls(lambda x: caching.slow_square(x, delay=0.2))
    cached = decorate(counted)
    barrier = threading.Barrier(threads)
    results = []

    def ask():
        barrier.wait(timeout=10)
        results.append(cached(5))

    workers = [threading.Thread(target=ask) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=10)
    assert not any(worker.is_alive() for worker in workers)
    return counted.count, results


def test_lru_cache_lets_threads_compute_the_same_value_twice():
    count, results = race(functools.lru_cache(maxsize=None))
    assert results == [25] * 4 and count == 4


def test_single_flight_computes_once():
    count, results = race(caching.single_flight(maxsize=None))
    assert results == [25] * 4 and count == 1


def test_single_flight_rejects_bad_arguments():
    with pytest.raises(ValueError, match="stripes must be >= 1"):
        caching.single_flight(stripes=0)
    with pytest.raises(TypeError, match="single_flight needs a function"):
        caching.single_flight()("f")


# ---- processes ----

@pytest.mark.parametrize("method", START_METHODS)
def test_pool_workers_start_cold_or_inherit(monkeypatch, method):
    monkeypatch.setenv("MP_START_METHOD", method)
    caching.costly_lookup.cache_clear()
    keys = [1, 2, 1, 2, 3, 3]
    cold = caching.per_worker(caching.run_lookups(keys, workers=2))
    assert all(row["misses"] == row["keys"] for row in cold.values())
    assert sum(row["hits"] + row["misses"] for row in cold.values()) == len(keys)
    for key in keys:
        caching.costly_lookup(key)
    warm = caching.per_worker(caching.run_lookups(keys, workers=2))
    misses = sum(row["misses"] for row in warm.values())
    assert misses == (0 if method == "fork" else sum(row["keys"] for row in warm.values()))


def test_lookup_in_worker_reports_hits():
    caching.costly_lookup.cache_clear()
    first, second = caching.lookup_in_worker(4), caching.lookup_in_worker(4)
    assert (first.hit, second.hit, second.result) == (False, True, 64)


def test_lookup_and_run_reject_bad_arguments():
    with pytest.raises(ValueError, match="key must be >= 0"):
        caching.lookup_in_worker(-1)
    with pytest.raises(ValueError, match="keys must not be empty"):
        caching.run_lookups([], workers=1)
    with pytest.raises(ValueError, match="workers must be >= 1"):
        caching.run_lookups([1], workers=0)


def test_per_worker_rejects_other_records():
    with pytest.raises(TypeError, match="WorkerCall"):
        caching.per_worker([(1, 2, 3, True)])


# ---- exercise checkers ----

def good_lru(pattern, maxsize):
    return caching.lru_model(pattern, maxsize)


def test_check_lru_prediction(capsys):
    assert caching.check_lru_prediction(good_lru) is True
    assert caching.check_lru_prediction(lambda p, m: None) is False
    assert caching.check_lru_prediction(lambda p, m: (0, len(p))) is False
    assert caching.check_lru_prediction(lambda p, m: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out
    with pytest.raises(TypeError, match="pass your function itself"):
        caching.check_lru_prediction("my_lru")


class GoodStats:
    def __init__(self, data):
        self.data = data

    @functools.cached_property
    def mean(self):
        return sum(self.data) / len(self.data)


class LeakyStats:
    def __init__(self, data):
        self.data = data

    @functools.cache  # noqa: B019 (the leak this checker must catch)
    def mean(self):
        return sum(self.data) / len(self.data)


class UncachedStats(GoodStats):
    @property
    def mean(self):
        return sum(self.data) / len(self.data)


def test_check_instance_cache(capsys):
    assert caching.check_instance_cache(GoodStats) is True
    assert caching.check_instance_cache(UncachedStats) is False
    assert "scanned 3 times" in capsys.readouterr().out
    assert caching.check_instance_cache(LeakyStats) is False
    assert "stayed alive" in capsys.readouterr().out
    LeakyStats.mean.cache_clear()
    with pytest.raises(TypeError, match="pass your class itself"):
        caching.check_instance_cache(GoodStats(1))


def test_check_instance_cache_frees_what_it_builds():
    ref = weakref.ref(GoodStats)
    caching.check_instance_cache(GoodStats)
    gc.collect()
    assert ref() is GoodStats


def test_check_array_key(capsys):
    assert caching.check_array_key(lambda a: (a.dtype.str, a.shape, a.tobytes())) is True
    assert caching.check_array_key(lambda a: a.tobytes()) is False
    assert "same 4 bytes" in capsys.readouterr().out
    assert caching.check_array_key(lambda a: id(a)) is False
    assert caching.check_array_key(lambda a: None) is False
    assert caching.check_array_key(lambda a: a) is False  # unhashable: reported, not raised
    with pytest.raises(TypeError, match="pass your function itself"):
        caching.check_array_key(3)
