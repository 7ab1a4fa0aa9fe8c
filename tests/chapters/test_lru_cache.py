"""Unit tests of helpers.lru_cache.workers (08's pool worker) and its exercise references."""

from __future__ import annotations

import functools
import io
import json
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from helpers import exercises
from helpers.lru_cache import answers, workers

START_METHODS = multiprocessing.get_all_start_methods()


def test_costly_lookup_is_a_cube_cached_per_process():
    workers.costly_lookup.cache_clear()
    assert workers.costly_lookup(3) == 27
    assert workers.costly_lookup(3) == 27
    info = workers.costly_lookup.cache_info()
    assert (info.hits, info.misses) == (1, 1)


def test_lookup_in_worker_reports_a_miss_then_a_hit():
    workers.costly_lookup.cache_clear()
    first, second = workers.lookup_in_worker(2), workers.lookup_in_worker(2)
    assert first == workers.WorkerCall(os.getpid(), 2, 8, False)
    assert second == workers.WorkerCall(os.getpid(), 2, 8, True)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("method", START_METHODS)
def test_each_worker_has_its_own_cache(method):
    workers.costly_lookup.cache_clear()
    with multiprocessing.get_context(method).Pool(1) as pool:
        calls = pool.map_async(workers.lookup_in_worker, [5, 5, 6], chunksize=1).get(60)
    assert [call.result for call in calls] == [125, 125, 216]
    assert [call.hit for call in calls] == [False, True, False]
    assert {call.pid for call in calls} != {os.getpid()}


# ---- exercise 1: the pattern is one the notebook did not replay ----

def test_the_prediction_pattern_mixes_hits_and_misses():
    probe = functools.lru_cache(maxsize=answers.MAXSIZE)(lambda key: key)
    outcome = []
    for key in answers.PATTERN:
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
    assert answers.stale_trial(cls)() is None


@pytest.mark.parametrize(("cls", "hint"), [(_Stale, "stale result"),
                                           (_Uncached, "should come from the cache")])
def test_stale_trial_explains_what_is_wrong(cls, hint):
    assert hint in answers.stale_trial(cls)()


def test_check_behaviour_runs_the_stale_trial():
    assert exercises.passes(exercises.check_behaviour, answers.stale_trial(_Cleared), trials=2)
    with redirect_stdout(io.StringIO()):
        assert not exercises.passes(exercises.check_behaviour, answers.stale_trial(_Stale),
                                    trials=2)


# ---- exercise 3: choose the cache ----

def test_every_situation_has_a_reason_and_the_labels_are_four():
    assert set(answers.WHY) == set(answers.SITUATIONS)
    assert exercises.labels_of(answers.SITUATIONS) == ["cached_property", "content key",
                                                        "lru_cache", "no cache"]
    assert exercises.passes(exercises.choose_labels, dict(answers.SITUATIONS),
                            answers.SITUATIONS, why=answers.WHY)
    wrong = dict.fromkeys(answers.SITUATIONS, "lru_cache")
    with redirect_stdout(io.StringIO()) as said:
        assert not exercises.passes(exercises.choose_labels, wrong, answers.SITUATIONS,
                                    why=answers.WHY)
    assert "stale prices" in said.getvalue()


# ---- notebook 08, section 6: the single_flight decorator written in the cell --------------------

NOTEBOOK_08 = Path(__file__).resolve().parents[2] / "notebooks" / "08_lru_cache.ipynb"
SINGLE_FLIGHT_CELL = "06913fda"  # the cell that defines CountedCalls, slow_square and single_flight


def load_single_flight(notebook: Path = NOTEBOOK_08):
    """single_flight as the notebook cell defines it, run with its setup's imports."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    source = "".join(next(c["source"] for c in cells if c.get("id") == SINGLE_FLIGHT_CELL))
    namespace = {"functools": functools, "threading": threading, "time": time, "Future": Future}
    exec(compile(source, f"{notebook.name}:{SINGLE_FLIGHT_CELL}", "exec"), namespace)
    return namespace["single_flight"]


def run_in_threads(*calls, timeout=5.0):
    """Each call in its own daemon thread, all at once: (results, how many are still blocked)."""
    results = [None] * len(calls)

    def run(i):
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    return results, sum(thread.is_alive() for thread in threads)


@pytest.mark.timeout(30)
def test_single_flight_lets_a_recursive_function_finish():
    single_flight = load_single_flight()

    @single_flight(maxsize=None)
    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    # Striped locks held across the call deadlocked here: hash((67,)) % 64 == hash((44,)) % 64.
    results, blocked = run_in_threads(lambda: fib(200))
    assert blocked == 0, "a recursive function under single_flight is blocked on its own caller"
    assert results == [280571172992510140037611932413038677189525]
    assert fib.cache_info().misses == 201


@pytest.mark.timeout(30)
def test_single_flight_lets_two_threads_need_each_others_neighbours():
    single_flight = load_single_flight()
    needs = {1: 2, 92: 68}  # hash((n,)) % 64: 1 and 68 share a stripe, 92 and 2 another

    @single_flight(maxsize=None)
    def pair(n):
        time.sleep(0.05)  # both threads are inside their first call before either needs the second
        return pair(needs[n]) if n in needs else n

    results, blocked = run_in_threads(lambda: pair(1), lambda: pair(92))
    assert blocked == 0, "two threads under single_flight locked each other out"
    assert results == [2, 68]


@pytest.mark.timeout(30)
def test_single_flight_computes_a_missing_value_once_for_concurrent_callers():
    single_flight = load_single_flight()
    calls = []
    barrier = threading.Barrier(4)

    @single_flight(maxsize=None)
    def slow(x):
        calls.append(x)
        time.sleep(0.2)
        return object()  # a fresh object: every caller must get this one

    def ask():
        barrier.wait(timeout=5)
        return slow(7)

    results, blocked = run_in_threads(*[ask] * 4)
    assert blocked == 0
    assert calls == [7]
    assert all(result is results[0] for result in results)


@pytest.mark.timeout(30)
def test_single_flight_gives_waiters_the_exception_and_does_not_cache_it():
    single_flight = load_single_flight()
    barrier = threading.Barrier(3)
    attempts = []

    @single_flight(maxsize=None)
    def fails_first(x):
        attempts.append(x)
        time.sleep(0.2)
        if len(attempts) == 1:
            raise ValueError("first attempt")
        return x

    def ask():
        barrier.wait(timeout=5)
        try:
            return fails_first(3)
        except ValueError as error:
            return error

    results, blocked = run_in_threads(*[ask] * 3)
    assert blocked == 0
    assert len(attempts) == 1 and all(isinstance(r, ValueError) for r in results)
    assert fails_first(3) == 3 and len(attempts) == 2  # a failure is not cached


@pytest.mark.timeout(30)
def test_single_flight_turns_a_call_of_itself_with_the_same_arguments_into_recursion():
    single_flight = load_single_flight()

    @single_flight(maxsize=None)
    def forever(x):
        return forever(x)

    def call():
        try:
            return forever(1)
        except RecursionError as error:
            return error

    results, blocked = run_in_threads(call)
    assert blocked == 0, "a call of itself waited for its own Future"
    assert isinstance(results[0], RecursionError)
