"""Tests of helpers/pools.py: workers, the chunking model (also against a real pool), checkers."""

from __future__ import annotations

import io
import math
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing.pool import ThreadPool

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import pools
from helpers.machine import mp_context

durations_strategy = st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=30)


# ---- workers ----

def test_workers_compute_what_they_say():
    assert pools.sleep_task((4, 0)) == 4
    assert pools.spin(0) == 0 and pools.spin(5) == sum(i * i for i in range(5))
    assert pools.echo([1, 2]) == [1, 2]
    assert pools.size_of(bytes(7)) == 7
    assert pools.fail_on((1, 2)) == 10
    assert pools.lookup_in(([1.0, 2.0], 1)) == 2.0


@pytest.mark.parametrize(("func", "arg", "error"), [
    (pools.sleep_task, 3, TypeError), (pools.sleep_task, (1, -1), ValueError),
    (pools.sleep_task, (1, "x"), TypeError), (pools.spin, -1, ValueError),
    (pools.spin, 2.5, TypeError), (pools.size_of, "text", TypeError),
    (pools.die, -1, ValueError), (pools.die, "1", TypeError),
])
def test_workers_reject_bad_input(func, arg, error):
    with pytest.raises(error):
        func(arg)


def test_fail_on_raises_for_the_bad_task():
    with pytest.raises(ValueError, match="task 3 failed"):
        pools.fail_on((3, 3))


def test_lookup_needs_the_initializer():
    pools.init_table(None)
    with pytest.raises(RuntimeError, match="initializer"):
        pools.lookup(0)
    pools.init_table([5.0, 6.0])
    assert pools.lookup(1) == 6.0
    pools.init_table(None)


def test_initializer_runs_in_each_worker():
    with mp_context().Pool(2, initializer=pools.init_table, initargs=([1.0, 2.0, 3.0],)) as pool:
        assert pool.map_async(pools.lookup, [2, 0, 1]).get(timeout=60) == [3.0, 1.0, 2.0]


def test_die_ends_a_worker_and_breaks_an_executor():
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(1, mp_context=mp_context()) as executor, \
            pytest.raises(BrokenProcessPool):
        executor.submit(pools.die, 3).result(timeout=60)


# ---- the chunking model ----

@pytest.mark.parametrize(("tasks", "workers", "expected"), [
    (100, 4, 7), (10, 2, 2), (16, 2, 2), (17, 2, 3), (1, 8, 1), (0, 2, 1), (8, 1, 2)])
def test_default_chunksize_examples(tasks, workers, expected):
    assert pools.default_chunksize(tasks, workers) == expected


@given(st.integers(0, 10_000), st.integers(1, 64))
def test_default_chunksize_matches_multiprocessing_source(tasks, workers):
    # the formula in Lib/multiprocessing/pool.py, Pool._map_async
    chunksize, extra = divmod(tasks, workers * 4)
    if extra:
        chunksize += 1
    if tasks == 0:
        chunksize = 0
    assert pools.default_chunksize(tasks, workers) == max(1, chunksize)


@pytest.mark.parametrize(("args", "error"), [
    ((1.5, 2), TypeError), ((10, 0), ValueError), ((-1, 2), ValueError), ((True, 2), TypeError)])
def test_default_chunksize_rejects_bad_input(args, error):
    with pytest.raises(error):
        pools.default_chunksize(*args)


@given(durations_strategy, st.integers(1, 10))
def test_chunks_keep_all_the_work(durations, chunksize):
    chunks = pools.chunk_durations(durations, chunksize)
    assert len(chunks) == math.ceil(len(durations) / chunksize)
    assert math.isclose(sum(chunks), sum(durations), abs_tol=1e-9)


@settings(max_examples=200)
@given(durations_strategy, st.integers(1, 8), st.integers(1, 8))
def test_makespan_lies_between_the_bounds(durations, workers, chunksize):
    predicted = pools.predict_makespan(durations, workers, chunksize)
    lower = pools.makespan_lower_bound(durations, workers, chunksize)
    assert predicted >= lower - 1e-9
    assert predicted <= sum(durations) + 1e-9  # never worse than one worker doing everything


@given(durations_strategy, st.integers(1, 8))
def test_one_worker_takes_the_sum_and_overhead_adds_per_chunk(durations, chunksize):
    chunks = math.ceil(len(durations) / chunksize)
    assert math.isclose(pools.predict_makespan(durations, 1, chunksize, overhead=0.5),
                        sum(durations) + 0.5 * chunks, rel_tol=1e-9, abs_tol=1e-9)


def test_makespan_examples_and_errors():
    assert pools.predict_makespan(pools.uneven_durations(), 4, 8) == pytest.approx(0.72)
    assert pools.predict_makespan(pools.uneven_durations(), 4, 1) == pytest.approx(0.24)
    assert pools.predict_makespan([], 2, 1) == 0.0
    with pytest.raises(ValueError):
        pools.predict_makespan([1.0], 0, 1)
    with pytest.raises(ValueError):
        pools.chunk_durations([1.0, -1.0], 1)
    with pytest.raises(TypeError):
        pools.chunk_durations([1.0], 1.5)


def test_uneven_durations_validates():
    assert pools.uneven_durations(3, 3, 1.0, 0.0) == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError):
        pools.uneven_durations(2, 3)


@pytest.mark.timeout(120)
def test_model_predicts_a_real_pool():
    """The model against a real process pool: sleeps, so the lower bound is physical."""
    durations = pools.uneven_durations(tasks=8, long=2, long_s=0.12, short_s=0.02)
    with mp_context().Pool(2) as pool:
        pools.warm_up(pool, 2)
        for chunksize in (1, 4):
            batch = pools.run_batch(pool, durations, chunksize)
            predicted = pools.predict_makespan(durations, 2, chunksize)
            assert batch.results == list(range(8))
            assert batch.elapsed >= 0.98 * pools.makespan_lower_bound(durations, 2, chunksize)
            assert batch.elapsed < predicted + 0.5  # wide: the machine may be busy
            assert len(batch.spans) == 8


# ---- measurements ----

def test_arrivals_order_on_threads():
    durations = [0.3, 0.05, 0.1]
    with ThreadPool(2) as pool:
        ordered = pools.arrivals("Pool.imap", pool, durations)
        unordered = pools.arrivals("Pool.imap_unordered", pool, durations)
        everything = pools.arrivals("Pool.map", pool, durations)
    with ThreadPoolExecutor(2) as executor:
        completed = pools.arrivals("as_completed", executor, durations)
        mapped = pools.arrivals("Executor.map", executor, durations)
    assert [a.task for a in ordered] == [a.task for a in mapped] == [0, 1, 2]
    assert [a.task for a in unordered] == [a.task for a in completed] == [1, 2, 0]
    assert len({a.arrived for a in everything}) == 1
    assert all(a.start <= a.end <= a.arrived + 1e-3 for a in ordered + completed)


def test_arrivals_rejects_a_wrong_pool_or_api():
    with ThreadPool(1) as pool:
        with pytest.raises(ValueError):
            pools.arrivals("Pool.starmap", pool, [0.0])
        with pytest.raises(TypeError):
            pools.arrivals("as_completed", pool, [0.0])


def test_warm_up_and_run_batch_validate():
    with ThreadPool(1) as pool:
        with pytest.raises(ValueError):
            pools.warm_up(pool, 0)
        with pytest.raises(ValueError):
            pools.run_batch(pool, [0.0], 0)


def test_pool_round_trip():
    assert pools.pool_round_trip(mp_context().get_start_method(), workers=1) > 0
    with pytest.raises(ValueError):
        pools.pool_round_trip("teleport")
    with pytest.raises(ValueError):
        pools.pool_round_trip("spawn", workers=0)


def test_best_of_takes_the_minimum():
    assert pools.best_of(lambda: None, repeat=3) < 0.1
    with pytest.raises(TypeError):
        pools.best_of(42)
    with pytest.raises(ValueError):
        pools.best_of(lambda: None, repeat=0)


def test_break_even():
    assert pools.break_even([1, 10, 100], [2.0, 1.0, 0.5]) == pytest.approx(10)
    assert pools.break_even([1, 10], [0.8, 0.5]) == 1.0
    assert pools.break_even([1, 10], [3.0, 2.0]) is None
    with pytest.raises(ValueError):
        pools.break_even([1, 10], [1.0])
    with pytest.raises(ValueError):
        pools.break_even([0, 10], [2.0, 1.0])


@given(st.lists(st.floats(0.01, 100), min_size=2, max_size=8, unique=True),
       st.lists(st.floats(0.1, 10), min_size=2, max_size=8))
def test_break_even_lies_inside_the_measured_range(sizes, ratios):
    sizes = sorted(sizes)
    ratios = ratios[:len(sizes)] + [ratios[-1]] * (len(sizes) - len(ratios))
    found = pools.break_even(sizes, ratios)
    if found is None:
        assert all(r > 1 for r in ratios)
    else:
        assert sizes[0] * (1 - 1e-9) <= found <= sizes[-1] * (1 + 1e-9)


# ---- progress bar ----

def test_progress_text_goes_to_the_given_file_not_stderr(capsys):
    out = io.StringIO()
    assert list(pools.progress(iter("abc"), total=3, desc="x", widget=False, file=out)) == [
        "a", "b", "c"]
    assert "x: 100%" in out.getvalue()
    assert capsys.readouterr().err == ""


def test_progress_defaults_to_stdout(capsys):
    assert list(pools.progress(range(2), total=2, widget=False)) == [0, 1]
    captured = capsys.readouterr()
    assert "100%" in captured.out and captured.err == ""


def test_progress_validates():
    with pytest.raises(ValueError):
        pools.progress(range(2), total=-1)
    with pytest.raises(TypeError):
        pools.progress(range(2), total=2, desc=3)
    assert isinstance(pools.widgets_available(), bool)


# ---- picture ----

def test_arrival_figure_draws_one_panel_per_api():
    record = pools.Arrival(task=0, start=0.0, end=0.1, arrived=0.2)
    ax = pools.arrival_figure({"Pool.map": [record], "as_completed": [record]}, title="t")
    assert len(ax.figure.axes) == 2
    assert "time" in ax.get_xlabel()
    with pytest.raises(ValueError):
        pools.arrival_figure({})


# ---- checkers: right answers pass, wrong ones get feedback, nothing raises ----

def test_check_default_chunksize(capsys):
    assert pools.check_default_chunksize(pools.default_chunksize)
    assert not pools.check_default_chunksize(lambda tasks, workers: None)
    assert not pools.check_default_chunksize(lambda tasks, workers: math.ceil(tasks / workers))
    assert not pools.check_default_chunksize(lambda tasks, workers: 1 / 0)
    assert "Not yet" in capsys.readouterr().out
    with pytest.raises(TypeError):
        pools.check_default_chunksize(3)


def test_check_makespan(capsys):
    assert pools.check_makespan(pools.predict_makespan)
    assert not pools.check_makespan(lambda d, w, c: sum(d) / w)
    assert not pools.check_makespan(lambda d, w, c: None)
    assert "Not yet" in capsys.readouterr().out
    with pytest.raises(TypeError):
        pools.check_makespan("f")


def test_check_api_choice(capsys):
    right = {scenario: answer for scenario, (answer, _) in pools.SCENARIOS.items()}
    assert pools.check_api_choice(right)
    assert not pools.check_api_choice({scenario: "map" for scenario in pools.SCENARIOS})
    assert not pools.check_api_choice({})
    assert "Not yet" in capsys.readouterr().out
    with pytest.raises(TypeError):
        pools.check_api_choice(["map"])
