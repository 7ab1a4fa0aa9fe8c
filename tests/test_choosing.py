"""Unit tests of helpers.choosing: kernels, runners, speedups, charts, guide and checkers."""

import math
import multiprocessing

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import choosing, gil

KERNELS = [choosing.burn_numba, choosing.burn_numba_parallel, choosing.burn_numba_nogil]


@pytest.mark.parametrize("kernel", KERNELS)
@settings(max_examples=25, deadline=None)
@given(terms=st.integers(min_value=1, max_value=5_000))
def test_kernels_equal_the_article_task(kernel, terms):
    assert kernel((0, terms)) == pytest.approx(gil.burn_cpu((0, terms)), rel=1e-9)


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize(("inputs", "error", "message"), [
    ([0, 10], TypeError, "tuple"), ((0,), TypeError, "tuple"), ((0, 2.5), TypeError, "int"),
    ((0, True), TypeError, "int"), ((0, 0), ValueError, ">= 1")])
def test_kernels_reject_bad_input(kernel, inputs, error, message):
    with pytest.raises(error, match=message):
        kernel(inputs)


def test_make_tasks():
    assert choosing.make_tasks(3, 7) == [(0, 7), (1, 7), (2, 7)]
    assert len(choosing.make_tasks()) == choosing.TASKS
    with pytest.raises(ValueError, match="count must be >= 1"):
        choosing.make_tasks(0, 5)
    with pytest.raises(TypeError, match="terms must be an int"):
        choosing.make_tasks(2, 5.0)


def test_runners_keep_task_order_and_results():
    tasks = [(0, 10), (1, 2000), (2, 30)]
    expected = [gil.burn_cpu_math(t) for t in tasks]
    assert choosing.run_sequential(gil.burn_cpu_math, tasks) == expected
    assert choosing.run_threads(gil.burn_cpu_math, tasks, 2) == expected
    assert choosing.run_processes(gil.burn_cpu_math, tasks, 2) == expected


@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
def test_run_processes_under_every_start_method(monkeypatch, method):
    monkeypatch.setenv("MP_START_METHOD", method)
    assert choosing.run_processes(gil.burn_cpu_math, [(0, 50)], 1) == [gil.burn_cpu_math((0, 50))]


@pytest.mark.parametrize("runner", [choosing.run_threads, choosing.run_processes])
def test_runners_reject_bad_arguments(runner):
    with pytest.raises(ValueError, match="workers must be an int >= 1"):
        runner(gil.burn_cpu_math, [(0, 5)], 0)
    with pytest.raises(ValueError, match="tasks must not be empty"):
        runner(gil.burn_cpu_math, [], 1)
    with pytest.raises(TypeError, match="func must be callable"):
        runner(42, [(0, 5)], 1)


def test_cpu_per_second():
    result, ratio = choosing.cpu_per_second(lambda: sum(range(200_000)))
    assert result == sum(range(200_000)) and 0 <= ratio < 2.5
    with pytest.raises(TypeError, match="callable"):
        choosing.cpu_per_second(3)


@given(st.dictionaries(st.text(min_size=1, max_size=5),
                       st.floats(min_value=1e-6, max_value=1e6), min_size=1))
def test_speedups_of_the_reference_is_one(times):
    reference = next(iter(times))
    result = choosing.speedups(times, reference)
    assert result[reference] == 1.0
    assert all(math.isclose(result[k] * times[k], times[reference]) for k in times)


def test_speedups_reject_bad_input():
    with pytest.raises(ValueError, match="contains 'x'"):
        choosing.speedups({"a": 1.0}, "x")
    with pytest.raises(ValueError, match="> 0"):
        choosing.speedups({"a": 1.0, "b": 0.0}, "a")


def test_speedup_chart_draws_one_bar_per_variant():
    speed = {"slow": 1.0, "fast": 100.0}
    ax = choosing.speedup_chart(speed, {"slow": "representation", "fast": "compiled"}, 2)
    assert len(ax.patches) == 2 and ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["slow", "fast"]
    with pytest.raises(ValueError, match="same"):
        choosing.speedup_chart(speed, {"slow": "compiled"}, 2)
    with pytest.raises(ValueError, match="kinds must be among"):
        choosing.speedup_chart(speed, {"slow": "magic", "fast": "compiled"}, 2)
    with pytest.raises(ValueError, match="cpus"):
        choosing.speedup_chart(speed, {"slow": "compiled", "fast": "compiled"}, 0)


def test_decision_guide_is_consistent():
    keys = {node.key for node in choosing.GUIDE_NODES}
    assert len(keys) == len(choosing.GUIDE_NODES)
    assert all(a in keys and b in keys for a, b, _ in choosing.GUIDE_EDGES)
    assert choosing.guide_notebooks() <= {f"{n:02d}" for n in range(1, 13)}
    ax = choosing.decision_guide()
    texts = " ".join(t.get_text() for t in ax.texts)
    assert all(node.text.split("\n")[0] in texts for node in choosing.GUIDE_NODES)


def test_interpreter_features_match_this_interpreter():
    import sys
    features = choosing.interpreter_features()
    assert features.subinterpreters == (sys.version_info >= (3, 14))
    assert features.interpreter_pool == (sys.version_info >= (3, 14))
    if not features.free_threaded_build:
        assert features.gil_enabled


def test_subinterpreter_script_is_valid_python():
    compile(choosing.SUBINTERPRETER_SCRIPT, "script.py", "exec")


def test_check_situations(capsys):
    right = {s: n for s, (n, _) in choosing.SITUATIONS.items()}
    assert choosing.check_situations(right) is True
    wrong = dict(right, **{next(iter(right)): "01"})
    assert choosing.check_situations(wrong) is False
    assert choosing.check_situations({}) is False
    assert "two-digit" in capsys.readouterr().out
    with pytest.raises(TypeError, match="dict"):
        choosing.check_situations(["09"])


def test_sqrt_sum_reference():
    assert choosing.sqrt_sum_reference(0) == 0.0
    assert choosing.sqrt_sum_reference(4) == pytest.approx(1 + math.sqrt(2) + math.sqrt(3))
    with pytest.raises(ValueError, match="n must be an int >= 0"):
        choosing.sqrt_sum_reference(-1)


def test_check_compiled_sqrt_sum(capsys):
    from numba import njit

    def plain(n):
        return float(np.sqrt(np.arange(n, dtype=np.float64)).sum())

    @njit
    def compiled(n):
        total = 0.0
        for i in range(n):
            total += math.sqrt(i)
        return total

    assert choosing.check_compiled_sqrt_sum(compiled) is True
    assert choosing.check_compiled_sqrt_sum(plain) is False
    assert "not compiled" in capsys.readouterr().out
    assert choosing.check_compiled_sqrt_sum(lambda n: None) is False
    assert choosing.check_compiled_sqrt_sum(lambda n: 1 / 0) is False
    with pytest.raises(TypeError, match="pass your function"):
        choosing.check_compiled_sqrt_sum(3)
