"""Tests of notebook 03's helpers: the workers (pools), the analysis and the exercise cases."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import matplotlib
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import pools, pools_exercises
from helpers.exercises import check_behaviour, choose_labels, passes
from helpers.machine import mp_context
from helpers.pools_analysis import Arrival, arrival_figure, break_even
from helpers.tracing import Traced

matplotlib.use("Agg")


# ---- workers ----

def test_workers_compute_what_they_say():
    assert pools.sleep_task((4, 0)) == 4
    assert pools.sleep_task((7, 0.01)) == 7
    assert pools.spin(0) == 0 and pools.spin(4) == 14 and pools.spin(5) == 30
    assert pools.echo([1, 2]) == [1, 2] and pools.echo(b"abc") == b"abc"
    assert pools.size_of(bytes(7)) == 7
    assert pools.fail_on((1, 2)) == 10 and pools.fail_on((2, 5)) == 20
    assert pools.lookup_in(([1.0, 2.0], 1)) == 2.0


def test_fail_on_raises_for_the_bad_task():
    with pytest.raises(ValueError, match="task 3 failed"):
        pools.fail_on((3, 3))


def test_lookup_needs_the_initializer():
    pools.init_table(None)
    with pytest.raises(RuntimeError, match="initializer"):
        pools.lookup(0)
    pools.init_table([0.5, 1.5])
    assert pools.lookup(1) == 1.5
    pools.init_table(None)


def test_initializer_runs_in_each_worker():
    with mp_context().Pool(2, initializer=pools.init_table, initargs=([1.0, 2.0, 3.0],)) as pool:
        assert pool.map_async(pools.lookup, [2, 0, 1]).get(timeout=60) == [3.0, 1.0, 2.0]


def test_die_ends_a_worker_and_breaks_an_executor():
    with ProcessPoolExecutor(1, mp_context=mp_context()) as executor, \
            pytest.raises(BrokenProcessPool):
        executor.submit(pools.die, 3).result(timeout=60)


def test_workers_import_no_plotting():
    """A worker module is imported by every spawned child: it must stay light."""
    source = Path(pools.__file__).read_text(encoding="utf-8")
    assert "matplotlib" not in source and "helpers.plots" not in source


# ---- analysis ----

def test_break_even():
    assert break_even([10, 100, 1000], [4.0, 2.0, 0.5]) == pytest.approx(316.2, rel=1e-3)
    assert break_even([1, 10, 100], [2.0, 1.0, 0.5]) == pytest.approx(10)
    assert break_even([1, 10], [0.8, 0.5]) == 1.0
    assert break_even([1, 10], [3.0, 2.0]) is None
    with pytest.raises(ValueError):
        break_even([1, 10], [1.0])
    with pytest.raises(ValueError):
        break_even([0, 10], [2.0, 1.0])


@given(st.lists(st.floats(0.01, 100), min_size=2, max_size=8, unique=True),
       st.lists(st.floats(0.1, 10), min_size=2, max_size=8))
def test_break_even_lies_inside_the_measured_range(sizes, ratios):
    sizes = sorted(sizes)
    ratios = ratios[:len(sizes)] + [ratios[-1]] * (len(sizes) - len(ratios))
    found = break_even(sizes, ratios)
    if found is None:
        assert all(r > 1 for r in ratios)
    else:
        assert sizes[0] * (1 - 1e-9) <= found <= sizes[-1] * (1 + 1e-9)


def test_arrival_figure_draws_one_panel_per_api():
    record = Arrival(task=0, start=0.0, end=0.1, arrived=0.2)
    ax = arrival_figure({"Pool.map": [record], "as_completed": [record]}, title="t")
    assert len(ax.figure.axes) == 2
    assert "time" in ax.get_xlabel()
    one = arrival_figure({"Pool.map": [record]})
    assert len(one.figure.axes) == 1
    with pytest.raises(ValueError):
        arrival_figure({})


# ---- exercise cases ----

@pytest.mark.timeout(120)
def test_new_workload_is_chunked_in_pairs_by_pool_map():
    """Exercise 1's premise: Pool.map's default chunk size for 18 tasks on 3 workers is 2."""
    quick = [(task, 0.001) for task, _ in pools_exercises.NEW_WORKLOAD]
    with mp_context().Pool(pools_exercises.NEW_WORKERS) as pool:
        outcomes = pool.map_async(Traced(pools.sleep_task), quick).get(timeout=60)
    assert [o.value for o in outcomes] == list(range(18))
    for first, second in zip(outcomes[::2], outcomes[1::2], strict=True):
        assert first.span.worker == second.span.worker  # one chunk, one worker
        assert second.span.start >= first.span.end


def _run_all_inside(tasks):
    with mp_context().Pool(2) as pool:
        pending = [pool.apply_async(pools.sleep_task, (task,)) for task in tasks]
        return [result.get(timeout=60) for result in pending]


def _run_all_after_exit(tasks):
    with mp_context().Pool(2) as pool:
        pending = [pool.apply_async(pools.sleep_task, (task,)) for task in tasks]
    return [result.get(timeout=1) for result in pending]


@pytest.mark.timeout(120)
def test_all_results_trial_tells_the_repair_from_the_broken_pool(capsys):
    assert passes(check_behaviour, pools_exercises.all_results_trial(_run_all_inside),
                  trials=1, timeout=30)
    assert not passes(check_behaviour, pools_exercises.all_results_trial(_run_all_after_exit),
                      trials=1, timeout=30)
    assert "never came" in capsys.readouterr().out
    assert not passes(check_behaviour, pools_exercises.all_results_trial(lambda tasks: None),
                      trials=1, timeout=5)


def test_every_scenario_has_a_reason_and_a_right_answer(capsys):
    assert set(pools_exercises.WHY) == set(pools_exercises.SCENARIOS)
    assert passes(choose_labels, dict(pools_exercises.SCENARIOS), pools_exercises.SCENARIOS,
                  why=pools_exercises.WHY)
    wrong = {scenario: "map" for scenario in pools_exercises.SCENARIOS}
    assert not passes(choose_labels, wrong, pools_exercises.SCENARIOS, why=pools_exercises.WHY)
    assert "as_completed" in capsys.readouterr().out
