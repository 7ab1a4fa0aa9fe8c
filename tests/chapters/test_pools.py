"""Tests of helpers.pools: notebook 03's workers, its analysis (experiment, figures) and its
exercise cases (answers)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import matplotlib
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.exercises import check_behaviour, choose_labels, passes
from helpers.machine import mp_context
from helpers.pools import answers, experiment, figures, workers
from helpers.tracing import Traced

matplotlib.use("Agg")


# ---- workers ----

def test_workers_compute_what_they_say():
    assert workers.sleep_task((4, 0)) == 4
    assert workers.sleep_task((7, 0.01)) == 7
    assert workers.spin(0) == 0 and workers.spin(4) == 14 and workers.spin(5) == 30
    assert workers.echo([1, 2]) == [1, 2] and workers.echo(b"abc") == b"abc"
    assert workers.size_of(bytes(7)) == 7
    assert workers.fail_on((1, 2)) == 10 and workers.fail_on((2, 5)) == 20
    assert workers.lookup_in(([1.0, 2.0], 1)) == 2.0


def test_fail_on_raises_for_the_bad_task():
    with pytest.raises(ValueError, match="task 3 failed"):
        workers.fail_on((3, 3))


def test_lookup_needs_the_initializer():
    workers.init_table(None)
    with pytest.raises(RuntimeError, match="initializer"):
        workers.lookup(0)
    workers.init_table([0.5, 1.5])
    assert workers.lookup(1) == 1.5
    workers.init_table(None)


def test_initializer_runs_in_each_worker():
    with mp_context().Pool(2, initializer=workers.init_table, initargs=([1.0, 2.0, 3.0],)) as pool:
        assert pool.map_async(workers.lookup, [2, 0, 1]).get(timeout=60) == [3.0, 1.0, 2.0]


def test_die_ends_a_worker_and_breaks_an_executor():
    with ProcessPoolExecutor(1, mp_context=mp_context()) as executor, \
            pytest.raises(BrokenProcessPool):
        executor.submit(workers.die, 3).result(timeout=60)


def test_workers_import_no_plotting():
    """A worker module is imported by every spawned child: it must stay light."""
    source = Path(workers.__file__).read_text(encoding="utf-8")
    assert "matplotlib" not in source and "helpers.plots" not in source


# ---- analysis ----

def test_break_even():
    assert experiment.break_even([10, 100, 1000], [4.0, 2.0, 0.5]) == pytest.approx(316.2, rel=1e-3)
    assert experiment.break_even([1, 10, 100], [2.0, 1.0, 0.5]) == pytest.approx(10)
    assert experiment.break_even([1, 10], [0.8, 0.5]) == 1.0
    assert experiment.break_even([1, 10], [3.0, 2.0]) is None
    with pytest.raises(ValueError):
        experiment.break_even([1, 10], [1.0])
    with pytest.raises(ValueError):
        experiment.break_even([0, 10], [2.0, 1.0])


@given(st.lists(st.floats(0.01, 100), min_size=2, max_size=8, unique=True),
       st.lists(st.floats(0.1, 10), min_size=2, max_size=8))
def test_break_even_lies_inside_the_measured_range(sizes, ratios):
    sizes = sorted(sizes)
    ratios = ratios[:len(sizes)] + [ratios[-1]] * (len(sizes) - len(ratios))
    found = experiment.break_even(sizes, ratios)
    if found is None:
        assert all(r > 1 for r in ratios)
    else:
        assert sizes[0] * (1 - 1e-9) <= found <= sizes[-1] * (1 + 1e-9)


def test_arrival_figure_draws_one_panel_per_api():
    record = experiment.Arrival(task=0, start=0.0, end=0.1, arrived=0.2)
    ax = figures.arrival_figure({"Pool.map": [record], "as_completed": [record]}, title="t")
    assert len(ax.figure.axes) == 2
    assert "time" in ax.get_xlabel()
    one = figures.arrival_figure({"Pool.map": [record]})
    assert len(one.figure.axes) == 1
    with pytest.raises(ValueError):
        figures.arrival_figure({})


# ---- exercise cases ----

@pytest.mark.timeout(120)
def test_new_workload_is_chunked_in_pairs_by_pool_map():
    """Exercise 1's premise: Pool.map's default chunk size for 18 tasks on 3 workers is 2."""
    quick = [(task, 0.001) for task, _ in answers.NEW_WORKLOAD]
    with mp_context().Pool(answers.NEW_WORKERS) as pool:
        outcomes = pool.map_async(Traced(workers.sleep_task), quick).get(timeout=60)
    assert [o.value for o in outcomes] == list(range(18))
    for first, second in zip(outcomes[::2], outcomes[1::2], strict=True):
        assert first.span.worker == second.span.worker  # one chunk, one worker
        assert second.span.start >= first.span.end


def _run_all_inside(tasks):
    with mp_context().Pool(2) as pool:
        pending = [pool.apply_async(workers.sleep_task, (task,)) for task in tasks]
        return [result.get(timeout=60) for result in pending]


def _run_all_after_exit(tasks):
    with mp_context().Pool(2) as pool:
        pending = [pool.apply_async(workers.sleep_task, (task,)) for task in tasks]
    return [result.get(timeout=1) for result in pending]


@pytest.mark.timeout(120)
def test_all_results_trial_tells_the_repair_from_the_broken_pool(capsys):
    assert passes(check_behaviour, answers.all_results_trial(_run_all_inside),
                  trials=1, timeout=30)
    assert not passes(check_behaviour, answers.all_results_trial(_run_all_after_exit),
                      trials=1, timeout=30)
    assert "never came" in capsys.readouterr().out
    assert not passes(check_behaviour, answers.all_results_trial(lambda tasks: None),
                      trials=1, timeout=5)


def test_every_scenario_has_a_reason_and_a_right_answer(capsys):
    assert set(answers.WHY) == set(answers.SCENARIOS)
    assert passes(choose_labels, dict(answers.SCENARIOS), answers.SCENARIOS,
                  why=answers.WHY)
    wrong = {scenario: "map" for scenario in answers.SCENARIOS}
    assert not passes(choose_labels, wrong, answers.SCENARIOS, why=answers.WHY)
    assert "as_completed" in capsys.readouterr().out
