"""Unit tests of helpers.choosing: the tasks and the nogil kernel (experiment), the timed pool
worker and the one-core code on processes (workers), charts and the decision guide (figures,
checked here, not in the notebook) and the exercises' references (answers)."""

import json
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.choosing import answers, experiment, figures, workers
from helpers.course import collection
from helpers.scripts import run_script
from helpers.tasks import burn_cpu, burn_cpu_timed

SCRIPTS = Path(__file__).resolve().parents[2] / "notebooks" / "scripts"


@settings(max_examples=25, deadline=None)
@given(terms=st.integers(min_value=1, max_value=5_000))
def test_nogil_kernel_equals_the_article_task(terms):
    assert experiment.burn_numba_nogil((0, terms)) == pytest.approx(burn_cpu((0, terms)),
                                                                   rel=1e-9)


def test_the_one_core_code_on_processes_equals_the_article_task():
    task = (3, 40_000)  # over two NumPy blocks
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        got = {name: pool.submit(func, task).result(timeout=120)
               for name, func in workers.ON_PROCESSES.items()}
    assert got == pytest.approx(dict.fromkeys(got, burn_cpu(task)), rel=1e-9)
    assert set(got) == {"NumPy vectorised", "numba serial", "numba fastmath"}


def test_make_tasks():
    assert experiment.make_tasks(3, 7) == [(0, 7), (1, 7), (2, 7)]
    assert len(experiment.make_tasks()) == experiment.TASKS
    with pytest.raises(ValueError, match="count must be >= 1"):
        experiment.make_tasks(0, 5)
    with pytest.raises(TypeError, match="terms must be a whole number"):
        experiment.make_tasks(2, 5.0)


def test_timed_worker_reports_value_cpu_and_pid():
    value, cpu, pid = burn_cpu_timed((0, 20_000))
    assert value == burn_cpu((0, 20_000)) and 0 < cpu < 5 and pid == os.getpid()


@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
def test_timed_worker_runs_in_a_pool_under_every_start_method(method):
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        value, _, pid = pool.submit(burn_cpu_timed, (0, 50)).result(timeout=60)
    assert value == burn_cpu((0, 50)) and pid != os.getpid()


def test_the_workers_module_imports_neither_matplotlib_nor_numba():
    probe = run_script("import sys, helpers.choosing.workers; "
                       "print(sorted({'matplotlib', 'numba'} & set(sys.modules)))", timeout=60)
    assert probe.ok and probe.stdout.strip() == "[]", probe


def test_speedup_chart_draws_one_bar_per_variant():
    speed = {"slow": 1.0, "fast": 100.0}
    ax = figures.speedup_chart(speed, {"slow": "representation", "fast": "compiled"}, 2)
    assert len(ax.patches) == 2 and ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["slow", "fast"]
    with pytest.raises(ValueError, match="same"):
        figures.speedup_chart(speed, {"slow": "compiled"}, 2)
    with pytest.raises(ValueError, match="kinds must be among"):
        figures.speedup_chart(speed, {"slow": "magic", "fast": "compiled"}, 2)
    with pytest.raises(ValueError, match="cpus"):
        figures.speedup_chart(speed, {"slow": "compiled", "fast": "compiled"}, 0)


def test_decision_guide_is_consistent_and_points_to_notebooks_of_the_course():
    keys = {node.key for node in figures.GUIDE_NODES}
    assert len(keys) == len(figures.GUIDE_NODES)
    assert all(a in keys and b in keys for a, b, _ in figures.GUIDE_EDGES)
    present = {nb.number for nb in collection.notebooks()}
    assert figures.guide_notebooks() <= present  # every branch ends at a notebook that exists
    ax = figures.decision_guide()
    texts = " ".join(t.get_text() for t in ax.texts)
    assert all(node.text.split("\n")[0] in texts for node in figures.GUIDE_NODES)


def test_exercise_1_answers_are_notebooks_of_the_guide():
    assert set(answers.SITUATIONS.values()) <= figures.guide_notebooks()
    assert set(answers.SITUATION_WHY) == set(answers.SITUATIONS)


def test_interpreter_features_match_this_interpreter():
    features = experiment.interpreter_features()
    assert features.subinterpreters == (sys.version_info >= (3, 14))
    assert features.interpreter_pool == (sys.version_info >= (3, 14))
    if not features.free_threaded_build:
        assert features.gil_enabled


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="runs the real comparison instead")
def test_subinterpreter_script_says_so_before_3_14():
    result = run_script(SCRIPTS / "15_subinterpreters.py", timeout=60, args=("2", "2", "100"))
    assert result.returncode == 0 and json.loads(result.stdout) == {"available": False}


def test_sqrt_sum_reference():
    assert answers.sqrt_sum_reference(5)[0] == pytest.approx(sum(i ** 0.5 for i in range(5)))
    assert answers.sqrt_sum_reference(0) == (0.0, True)


def test_speedup_chart_draws_the_machines_limit():
    kinds = {"slow": "representation", "fast": "compiled + parallel"}
    ax = figures.speedup_chart({"slow": 1.0, "fast": 300.0}, kinds, 2, limit=340.0)
    lines = [line for line in ax.get_lines() if line.get_color() == figures.LIMIT]
    assert len(lines) == 1 and lines[0].get_xdata()[0] == 340.0
    assert ax.get_xlim()[1] >= 340.0
    with pytest.raises(ValueError, match="limit"):
        figures.speedup_chart({"slow": 1.0}, {"slow": "compiled"}, 2, limit=0)
    ax = figures.speedup_chart({"slow": 1.0, "fast": 300.0}, kinds, 2, limit=340.0, capacity=1.7)
    assert "capacity 1.70 × best" in ax.get_legend_handles_labels()[1][-1]
    with pytest.raises(ValueError, match="capacity"):
        figures.speedup_chart({"slow": 1.0}, {"slow": "compiled"}, 2, limit=3, capacity=0)
