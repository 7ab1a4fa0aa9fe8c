"""Unit tests of helpers.gil: workers, run(), the models and the exercise checkers."""

import math
import multiprocessing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import gil

START_METHODS = multiprocessing.get_all_start_methods()
BURNERS = [gil.burn_cpu, gil.burn_cpu_math, gil.burn_cpu_vectorised]
RIGHT_CHOICE = {w: a for w, (a, _) in gil.WORKLOADS.items()}


# ---- workers ----

def test_wait_io_returns_its_task_number():
    assert gil.wait_io((7, 0.001)) == 7


@pytest.mark.parametrize("inputs", [7, [7, 0.1], (7,), (7, 0.1, 1)],
                         ids=["int", "list", "1-tuple", "3-tuple"])
def test_wait_io_rejects_what_is_not_a_pair(inputs):
    with pytest.raises(TypeError, match=r"expected a \(task_number, seconds\) tuple"):
        gil.wait_io(inputs)


@pytest.mark.parametrize("seconds", [-0.1, "0.1", None])
def test_wait_io_rejects_bad_seconds(seconds):
    with pytest.raises(ValueError, match="seconds must be a number >= 0"):
        gil.wait_io((1, seconds))


@pytest.mark.parametrize("burn", BURNERS)
def test_burn_cpu_rejects_what_is_not_a_pair(burn):
    with pytest.raises(TypeError, match=r"expected a \(task_number, terms\) tuple"):
        burn([0, 10])


@pytest.mark.parametrize("burn", BURNERS)
@pytest.mark.parametrize(("terms", "error", "message"), [
    (0, ValueError, "terms must be >= 1, got 0"),
    (-5, ValueError, "terms must be >= 1, got -5"),
    (2.5, TypeError, "terms must be an int, got float"),
    (True, TypeError, "terms must be an int, got bool"),
    ("10", TypeError, "terms must be an int, got str"),
])
def test_burn_cpu_rejects_bad_terms(burn, terms, error, message):
    with pytest.raises(error, match=message):
        burn((0, terms))


def test_burn_cpu_of_three_terms():
    expected = math.log(1) + math.log(2) + math.log(3) + 0**1.1 + 1**1.1 + 2**1.1
    assert gil.burn_cpu((0, 3)) == pytest.approx(expected, rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(terms=st.integers(1, 3000))
def test_the_three_burn_cpu_variants_agree(terms):
    reference = gil.burn_cpu((0, terms))
    assert gil.burn_cpu_math((0, terms)) == pytest.approx(reference, rel=1e-9)
    assert gil.burn_cpu_vectorised((0, terms)) == pytest.approx(reference, rel=1e-9)


def test_costly_task_waits_for_io_tasks():
    assert gil.costly_task((0, "io_costly")) == 0.0


def test_costly_task_burns_for_cpu_tasks():
    assert gil.costly_task((0, "cpu_costly")) == pytest.approx(
        gil.burn_cpu_vectorised((0, gil.CPU_TERMS)), rel=1e-9)


def test_costly_task_rejects_an_unknown_task_type():
    with pytest.raises(ValueError, match="must be 'io_costly' or 'cpu_costly', got 'gpu'"):
        gil.costly_task((0, "gpu"))


def test_costly_task_rejects_what_is_not_a_pair():
    with pytest.raises(TypeError, match=r"expected a \(task_number, task_type\) tuple"):
        gil.costly_task("io_costly")


# ---- run ----

CPU_TASKS = [(i, 500 + 100 * i) for i in range(5)]


@pytest.mark.parametrize("kind", gil.RUN_KINDS)
def test_run_returns_results_in_task_order(kind):
    result = gil.run(kind, gil.burn_cpu, CPU_TASKS, workers=2)
    assert result.results == [gil.burn_cpu(task) for task in CPU_TASKS]
    assert len(result.spans) == len(CPU_TASKS)
    assert sorted(s.task for s in result.spans) == CPU_TASKS
    assert (result.kind, result.workers) == (kind, 2)
    assert 0 < result.work_seconds <= result.elapsed
    assert len(result.sampler.times) >= 1


def test_run_sequential_uses_one_worker():
    assert gil.run("sequential", gil.wait_io, [(i, 0) for i in range(3)]).workers_seen == 1


def test_run_thread_pool_overlaps_waits():
    result = gil.run("thread pool", gil.wait_io, [(i, 0.1) for i in range(4)], workers=4)
    assert result.results == [0, 1, 2, 3]
    assert result.workers_seen >= 2
    assert result.work_seconds < 0.35  # four 0.1 s waits, sequentially 0.4 s


@pytest.mark.parametrize("method", START_METHODS)
def test_run_process_pool_under_every_start_method(monkeypatch, method):
    monkeypatch.setenv("MP_START_METHOD", method)
    tasks = [(i, 2000) for i in range(4)]
    result = gil.run("process pool", gil.burn_cpu, tasks, workers=2)
    assert result.results == [gil.burn_cpu(task) for task in tasks]
    assert 1 <= result.workers_seen <= 2
    assert all(s.worker.startswith("process ") for s in result.spans)


def test_run_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        gil.run("cluster", gil.wait_io, [(0, 0)])


@pytest.mark.parametrize("workers", [0, -1, 1.5, "2"])
def test_run_rejects_bad_workers(workers):
    with pytest.raises(ValueError, match="workers must be an int >= 1 or None"):
        gil.run("thread pool", gil.wait_io, [(0, 0)], workers=workers)


def test_run_rejects_no_tasks():
    with pytest.raises(ValueError, match="tasks must not be empty"):
        gil.run("sequential", gil.wait_io, [])


# ---- ideal_speedup and io_rounds_time ----

counts = st.integers(1, 10_000)


@given(workers=counts, tasks=counts, cpus=counts)
def test_ideal_speedup_is_the_smallest_argument(workers, tasks, cpus):
    speedup = gil.ideal_speedup(workers, tasks, cpus)
    assert speedup <= workers and speedup <= tasks and speedup <= cpus
    assert speedup in (workers, tasks, cpus)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"workers": 0}, ValueError, "workers must be >= 1, got 0"),
    ({"tasks": -3}, ValueError, "tasks must be >= 1, got -3"),
    ({"cpus": 2.0}, TypeError, "cpus must be an int, got float"),
    ({"workers": True}, TypeError, "workers must be an int, got bool"),
    ({"tasks": "8"}, TypeError, "tasks must be an int, got str"),
])
def test_ideal_speedup_rejects_bad_counts(kwargs, error, message):
    with pytest.raises(error, match=message):
        gil.ideal_speedup(**{"workers": 2, "tasks": 8, "cpus": 2, **kwargs})


seconds = st.floats(0, 100, allow_nan=False)


@given(tasks=counts, workers=counts, seconds=seconds)
def test_io_rounds_time_counts_full_rounds(tasks, workers, seconds):
    rounds = -(-tasks // workers)  # exact integer ceiling
    assert gil.io_rounds_time(tasks, workers, seconds) == rounds * seconds


@given(tasks=counts, workers=st.integers(1, 9_999), seconds=seconds)
def test_io_rounds_time_never_grows_with_more_workers(tasks, workers, seconds):
    assert (gil.io_rounds_time(tasks, workers + 1, seconds)
            <= gil.io_rounds_time(tasks, workers, seconds))


@pytest.mark.parametrize(("args", "error", "message"), [
    ((0, 2, 0.2), ValueError, "tasks and workers must be >= 1, got 0 and 2"),
    ((10, 0, 0.2), ValueError, "tasks and workers must be >= 1, got 10 and 0"),
    ((10.0, 2, 0.2), TypeError, "tasks and workers must be ints"),
    ((10, True, 0.2), TypeError, "tasks and workers must be ints"),
    ((10, 2, -0.2), ValueError, "seconds must be a number >= 0, got -0.2"),
    ((10, 2, "0.2"), ValueError, "seconds must be a number >= 0, got '0.2'"),
])
def test_io_rounds_time_rejects_bad_arguments(args, error, message):
    with pytest.raises(error, match=message):
        gil.io_rounds_time(*args)


# ---- check_io_prediction ----

def test_check_io_prediction_accepts_the_round_model(capsys):
    assert gil.check_io_prediction(lambda t, w, s: math.ceil(t / w) * s) is True
    assert capsys.readouterr().out.startswith("✔ ")


def test_check_io_prediction_explains_a_wrong_model(capsys):
    assert gil.check_io_prediction(lambda t, w, s: t * s / w) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet:")
    assert "10 waits of 0.2 s on 3 threads: expected 0.8 s" in out


def test_check_io_prediction_reports_an_answer_that_raises(capsys):
    assert gil.check_io_prediction(lambda t, w, s: t / 0) is False
    out = capsys.readouterr().out
    assert "Not yet" in out
    assert "predict(10, 2, 0.2) raised ZeroDivisionError" in out


def test_check_io_prediction_spots_an_unfinished_answer(capsys):
    assert gil.check_io_prediction(lambda t, w, s: None) is False
    assert "Not yet: your function returns None" in capsys.readouterr().out


def test_check_io_prediction_rejects_a_non_callable():
    with pytest.raises(TypeError, match="pass your function itself"):
        gil.check_io_prediction(0.6)


# ---- check_pool_choice ----

def test_check_pool_choice_accepts_the_right_pools(capsys):
    assert gil.check_pool_choice(dict(RIGHT_CHOICE)) is True
    assert capsys.readouterr().out.startswith("✔ every workload has the right pool")


def test_check_pool_choice_names_a_wrong_workload(capsys):
    workload = "download 200 web pages"
    assert gil.check_pool_choice({**RIGHT_CHOICE, workload: "processes"}) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet:")
    assert f"{workload!r}: not processes" in out


def test_check_pool_choice_names_a_missing_workload(capsys):
    workload = "parse 100 large JSON documents already in memory"
    choice = {w: a for w, a in RIGHT_CHOICE.items() if w != workload}
    assert gil.check_pool_choice(choice) is False
    assert f"{workload!r}: answer 'threads' or 'processes' (got None)" in capsys.readouterr().out


def test_check_pool_choice_rejects_a_non_dict():
    with pytest.raises(TypeError, match="choice must be a dict"):
        gil.check_pool_choice(list(RIGHT_CHOICE.items()))


# ---- check_ideal_speedup ----

def test_check_ideal_speedup_accepts_the_minimum(capsys):
    assert gil.check_ideal_speedup(lambda w, t, c: min(w, t, c)) is True
    assert capsys.readouterr().out.startswith("✔ ")


def test_check_ideal_speedup_explains_a_wrong_answer(capsys):
    assert gil.check_ideal_speedup(lambda w, t, c: w) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet:")
    assert "4 workers, 8 tasks, 2 CPUs: expected 2, got 4" in out


def test_check_ideal_speedup_reports_an_answer_that_raises(capsys):
    assert gil.check_ideal_speedup(lambda w, t, c: [][0]) is False
    out = capsys.readouterr().out
    assert "Not yet" in out
    assert "ideal(1, 8, 2) raised IndexError" in out


def test_check_ideal_speedup_spots_an_unfinished_answer(capsys):
    assert gil.check_ideal_speedup(lambda w, t, c: None) is False
    assert "Not yet: your function returns None" in capsys.readouterr().out


def test_check_ideal_speedup_rejects_a_non_callable():
    with pytest.raises(TypeError, match="pass your function itself"):
        gil.check_ideal_speedup({"workers": 2})
