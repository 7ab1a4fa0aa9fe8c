"""Unit tests of helpers.gil: notebook 02's run() (experiment) and its exercises' references and
trials (answers)."""

import math
import multiprocessing
import os
from multiprocessing.pool import ThreadPool

import pytest

from helpers import exercises, models
from helpers.gil import answers, experiment
from helpers.tasks import burn_cpu, wait_io

START_METHODS = multiprocessing.get_all_start_methods()


# ---- run ----

CPU_TASKS = [(i, 500 + 100 * i) for i in range(5)]


@pytest.mark.parametrize("kind", experiment.RUN_KINDS)
def test_run_returns_results_in_task_order(kind):
    result = experiment.run(kind, burn_cpu, CPU_TASKS, workers=2)
    assert result.results == [burn_cpu(task) for task in CPU_TASKS]
    assert len(result.spans) == len(CPU_TASKS)
    assert sorted(s.task for s in result.spans) == CPU_TASKS
    assert (result.kind, result.workers, result.chunksize) == (kind, 2, 1)
    assert 0 < result.work_seconds <= result.elapsed
    assert 0 < result.map_seconds <= result.elapsed
    assert len(result.sampler.times) >= 1


def test_run_sequential_uses_one_worker():
    assert experiment.run("sequential", wait_io, [(i, 0) for i in range(3)]).workers_seen == 1


def test_run_thread_pool_overlaps_waits():
    result = experiment.run("thread pool", wait_io, [(i, 0.1) for i in range(4)], workers=4)
    assert result.results == [0, 1, 2, 3]
    assert result.workers_seen >= 2
    assert result.work_seconds < 0.35  # four 0.1 s waits, sequentially 0.4 s
    assert result.cpus_busy < 0.5  # waiting takes no CPU


def test_run_with_chunksize_one_runs_equal_waits_in_rounds():
    waits = [(i, 0.05) for i in range(10)]
    result = experiment.run("thread pool", wait_io, waits, workers=2)
    model = models.makespan(10, 2, 0.05)  # 5 rounds
    assert model * 0.99 <= result.work_seconds < model + 0.025


def test_run_with_the_default_chunksize_runs_chunks():
    waits = [(i, 0.05) for i in range(10)]
    result = experiment.run("thread pool", wait_io, waits, workers=2, chunksize=None)
    chunk = math.ceil(10 / (4 * 2))  # 2: five chunks, three rounds of 2 waits
    model = models.makespan(models.rounds(10, chunk), 2, chunk * 0.05)
    # The floor tells chunks of 2 (0.3 s) from chunks of 1 (0.25 s); the ceiling only has to stay
    # below one wait after another (0.5 s): a busy machine delayed the pool's start by 29 ms.
    assert model * 0.99 <= result.elapsed < model + 0.1


@pytest.mark.parametrize("method", START_METHODS)
def test_run_process_pool_counts_the_workers_cpu_under_every_start_method(monkeypatch, method):
    monkeypatch.setenv("MP_START_METHOD", method)
    tasks = [(i, 30_000) for i in range(4)]
    sequential = experiment.run("sequential", burn_cpu, tasks)
    result = experiment.run("process pool", burn_cpu, tasks, workers=2)
    assert result.results == sequential.results
    assert 1 <= result.workers_seen <= 2
    assert all(s.worker.startswith("process ") for s in result.spans)
    # the workers' CPU is counted (forkserver's workers are not our children)
    assert result.cpu_seconds > 0.5 * sequential.cpu_seconds


def test_run_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        experiment.run("cluster", wait_io, [(0, 0)])


@pytest.mark.parametrize(("workers", "error"), [(0, ValueError), (-1, ValueError),
                                                (1.5, TypeError), ("2", TypeError)])
def test_run_rejects_bad_workers(workers, error):
    with pytest.raises(error, match="workers must be"):
        experiment.run("thread pool", wait_io, [(0, 0)], workers=workers)


def test_run_rejects_a_bad_chunksize():
    with pytest.raises(ValueError, match="chunksize must be"):
        experiment.run("thread pool", wait_io, [(0, 0)], chunksize=0)


def test_run_rejects_no_tasks():
    with pytest.raises(ValueError, match="number of tasks must be >= 1"):
        experiment.run("sequential", wait_io, [])


# ---- exercises ----

def test_workloads_have_a_pool_and_a_reason():
    assert {pool for pool, _ in answers.WORKLOADS.values()} == {"threads", "processes"}
    assert all(len(why) > 20 for _, why in answers.WORKLOADS.values())


def test_choose_labels_accepts_the_reference_pools():
    expected = {w: pool for w, (pool, _) in answers.WORKLOADS.items()}
    assert exercises.passes(exercises.choose_labels, dict(expected), expected)
    wrong = {w: "threads" for w in expected}
    assert not exercises.passes(exercises.choose_labels, wrong, expected)


def fetch_sized(jobs):
    if not jobs:
        return []
    with ThreadPool(len(jobs)) as pool:
        return pool.map_async(wait_io, jobs, chunksize=1).get(timeout=30)


def fetch_default(jobs):  # slow only where ThreadPool() has fewer threads than waits
    with ThreadPool() as pool:
        return pool.map_async(wait_io, jobs).get(timeout=30)


def fetch_sized_but_empty_breaks(jobs):
    with ThreadPool(len(jobs)) as pool:  # ThreadPool(0) raises ValueError
        return pool.map_async(wait_io, jobs, chunksize=1).get(timeout=30)


def fetch_sequential(jobs):
    return [wait_io(job) for job in jobs]


def test_fetch_trial_accepts_one_thread_per_wait():
    assert exercises.passes(exercises.check_behaviour, answers.fetch_trial(fetch_sized),
                            trials=3, timeout=10)


@pytest.mark.parametrize("fetch", [
    pytest.param(fetch_default, marks=pytest.mark.skipif(
        (os.cpu_count() or 1) >= 12, reason="ThreadPool() has a thread per wait here")),
    fetch_sized_but_empty_breaks, fetch_sequential])
def test_fetch_trial_rejects_slow_or_fragile_fetchers(fetch):
    assert not exercises.passes(exercises.check_behaviour, answers.fetch_trial(fetch),
                                trials=3, timeout=10)


def test_fetch_trial_rejects_results_out_of_order():
    trial = answers.fetch_trial(lambda jobs: list(reversed(fetch_sized(jobs))), sizes=(5,))
    assert "in order" in trial()


def test_fetch_trial_rejects_bad_arguments():
    with pytest.raises(TypeError, match="fetch_all must be a function"):
        answers.fetch_trial(fetch_sized(()))
    with pytest.raises(ValueError, match="number of sizes must be >= 1"):
        answers.fetch_trial(fetch_sized, sizes=())


def test_capacity_cases_name_four_causes_each_with_a_reason():
    causes = {cause for cause, _ in answers.CAPACITY_CASES.values()}
    assert causes == {"a CPU quota", "neighbours on a shared host", "SMT siblings",
                      "fast and slow cores"}
    assert all(len(why) > 40 for _, why in answers.CAPACITY_CASES.values())
