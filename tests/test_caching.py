"""Unit tests of helpers.caching (07's pool worker) and its exercise references."""

from __future__ import annotations

import functools
import io
import multiprocessing
import os
from contextlib import redirect_stdout

import pytest

from helpers import caching, exercises
from helpers import caching_exercises as cx

START_METHODS = multiprocessing.get_all_start_methods()


def test_costly_lookup_is_a_cube_cached_per_process():
    caching.costly_lookup.cache_clear()
    assert caching.costly_lookup(3) == 27
    assert caching.costly_lookup(3) == 27
    info = caching.costly_lookup.cache_info()
    assert (info.hits, info.misses) == (1, 1)


def test_lookup_in_worker_reports_a_miss_then_a_hit():
    caching.costly_lookup.cache_clear()
    first, second = caching.lookup_in_worker(2), caching.lookup_in_worker(2)
    assert first == caching.WorkerCall(os.getpid(), 2, 8, False)
    assert second == caching.WorkerCall(os.getpid(), 2, 8, True)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("method", START_METHODS)
def test_each_worker_has_its_own_cache(method):
    caching.costly_lookup.cache_clear()
    with multiprocessing.get_context(method).Pool(1) as pool:
        calls = pool.map_async(caching.lookup_in_worker, [5, 5, 6], chunksize=1).get(60)
    assert [call.result for call in calls] == [125, 125, 216]
    assert [call.hit for call in calls] == [False, True, False]
    assert {call.pid for call in calls} != {os.getpid()}


# ---- exercise 1: the pattern is one the notebook did not replay ----

def test_the_prediction_pattern_mixes_hits_and_misses():
    probe = functools.lru_cache(maxsize=cx.MAXSIZE)(lambda key: key)
    outcome = []
    for key in cx.PATTERN:
        before = probe.cache_info().misses
        probe(key)
        outcome.append("miss" if probe.cache_info().misses > before else "hit")
    assert outcome == ["miss", "miss", "miss", "hit", "miss", "miss", "hit", "miss", "hit", "hit"]


# ---- exercise 2: the stale-cache trial ----

class _Stale:
    def __init__(self, rate):
        self.rate, self.computed = rate, 0
        self.convert = functools.lru_cache(maxsize=8)(self._convert)

    def set_rate(self, rate):
        self.rate = rate

    def _convert(self, euros):
        self.computed += 1
        return round(euros * self.rate, 2)


class _Cleared(_Stale):
    def set_rate(self, rate):
        self.rate = rate
        self.convert.cache_clear()


class _Keyed(_Stale):
    def __init__(self, rate):
        super().__init__(rate)
        cached = functools.lru_cache(maxsize=8)(self._by_rate)
        self.convert = lambda euros: cached(euros, self.rate)

    def _by_rate(self, euros, rate):
        self.computed += 1
        return round(euros * rate, 2)


class _Uncached(_Stale):
    def __init__(self, rate):
        super().__init__(rate)
        self.convert = self._convert


@pytest.mark.parametrize("cls", [_Cleared, _Keyed])
def test_stale_trial_accepts_both_repairs(cls):
    assert cx.stale_trial(cls)() is None


@pytest.mark.parametrize(("cls", "hint"), [(_Stale, "stale result"),
                                           (_Uncached, "should come from the cache")])
def test_stale_trial_explains_what_is_wrong(cls, hint):
    assert hint in cx.stale_trial(cls)()


def test_check_behaviour_runs_the_stale_trial():
    assert exercises.passes(exercises.check_behaviour, cx.stale_trial(_Cleared), trials=2)
    with redirect_stdout(io.StringIO()):
        assert not exercises.passes(exercises.check_behaviour, cx.stale_trial(_Stale), trials=2)


# ---- exercise 3: choose the cache ----

def test_every_situation_has_a_reason_and_the_labels_are_four():
    assert set(cx.WHY) == set(cx.SITUATIONS)
    assert exercises.labels_of(cx.SITUATIONS) == ["cached_property", "content key",
                                                   "lru_cache", "no cache"]
    assert exercises.passes(exercises.choose_labels, dict(cx.SITUATIONS), cx.SITUATIONS,
                            why=cx.WHY)
    wrong = dict.fromkeys(cx.SITUATIONS, "lru_cache")
    with redirect_stdout(io.StringIO()) as said:
        assert not exercises.passes(exercises.choose_labels, wrong, cx.SITUATIONS, why=cx.WHY)
    assert "stale prices" in said.getvalue()
