"""Unit tests for helpers.hidden_threads: its workers, experiment and answers (notebook 11)."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from helpers.exercises import check_behaviour, choose_labels, passes
from helpers.hidden_threads import answers, experiment, workers


def test_blas_task_is_seeded_and_reports_threads():
    first, again = workers.blas_task((3, 40)), workers.blas_task((3, 40))
    assert first.checksum == again.checksum
    assert first.threads == workers.blas_threads() >= 1
    assert first.span.task == 3 and first.span.duration >= 0


def test_limit_blas_changes_this_process_until_restored():
    with threadpool_limits(limits=None):  # restores whatever limit_blas sets
        workers.limit_blas(1)
        assert workers.blas_threads() == 1
        assert workers.blas_task((0, 30)).threads == 1


def test_matmul_tasks_validates():
    assert experiment.matmul_tasks(3, 10) == [(0, 10), (1, 10), (2, 10)]
    with pytest.raises(ValueError):
        experiment.matmul_tasks(0, 10)
    with pytest.raises(TypeError):
        experiment.matmul_tasks(2, 1.5)


def test_own_memory_names_its_measure():
    memory = workers.own_memory()
    assert memory["measure"] in {"USS", "RSS"} and 0 < memory["uss"] <= memory["rss"]


def test_touch_and_report_in_this_process():
    receive, send = multiprocessing.Pipe(duplex=False)
    workers.touch_and_report([1000, 2000], np.ones(4), send)
    report = receive.recv()
    assert report["list sum"] == 3000 and report["array sum"] == 4.0
    assert set(report) >= {"start", "after list", "after array"}


def test_attach_and_report_reads_a_shared_block():
    from multiprocessing.shared_memory import SharedMemory
    block = SharedMemory(create=True, size=8 * 5)
    try:
        np.ndarray((5,), dtype=np.float64, buffer=block.buf)[:] = 2.0
        receive, send = multiprocessing.Pipe(duplex=False)
        workers.attach_and_report(block.name, (5,), send)
        assert receive.recv()["array sum"] == 10.0
    finally:
        block.close()
        block.unlink()


def _serial(batch, processes):
    with threadpool_limits(limits=1, user_api="blas"):
        return [workers.blas_task(task) for task in batch]


def _many_threads(batch, processes):
    results = [workers.blas_task(task) for task in batch]
    return [r._replace(threads=2) for r in results]


def test_one_level_trial_passes_and_fails():
    reference = [workers.blas_task(task).checksum for task in answers.BATCH]
    assert passes(check_behaviour, answers.one_level_trial(_serial, reference), trials=1,
                  timeout=30)
    assert not passes(check_behaviour, answers.one_level_trial(_many_threads, reference), trials=1,
                      timeout=30)
    wrong = [c + 1 for c in reference]
    assert not passes(check_behaviour, answers.one_level_trial(_serial, wrong), trials=1,
                      timeout=30)


def test_places_have_reasons():
    assert set(answers.WHY) == set(answers.PLACES)
    assert passes(choose_labels, dict(answers.PLACES), answers.PLACES, why=answers.WHY)
