"""Unit tests of helpers.shared_state: notebook 07's process targets (workers), instruments
(experiment) and exercises (answers)."""

from __future__ import annotations

import io
import multiprocessing
import os
from contextlib import redirect_stdout
from multiprocessing import shared_memory
from multiprocessing.pool import ThreadPool

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import exercises
from helpers.machine import mp_context
from helpers.shared_state import answers, experiment, workers

START_METHODS = multiprocessing.get_all_start_methods()


@pytest.fixture
def block():
    """A 10-float block, removed afterwards whatever the test did."""
    created = shared_memory.SharedMemory(create=True, size=80)
    np.frombuffer(created.buf, dtype=np.float64)[:] = 0.0
    yield created
    created.close()
    created.unlink()


# ---- section 1: the article's worker ----

def test_article_worker_appends_to_its_list_and_bumps_the_shared_cells():
    items, value, array = [], multiprocessing.Value("i", 1), multiprocessing.Array("d", 5)
    workers.article_worker(items, value, array)
    assert items == [os.getpid()]
    assert value.value == 2 and list(array) == [0.0, 0.0, 1.0, 0.0, 0.0]


def test_processes_share_the_value_but_not_the_list():
    ctx = mp_context()
    items, value, array = [], ctx.Value("i", 0), ctx.Array("d", [1.0] * 5)
    children = [ctx.Process(target=workers.article_worker, args=(items, value, array))
                for _ in range(3)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
    assert all(c.exitcode == 0 for c in children)
    assert items == [] and value.value == 3
    assert list(array) == [1.0, 2.0, 2.0, 2.0, 1.0]


# ---- section 2: the counter ----

def test_install_keeps_the_counter_and_the_barrier():
    workers.install("counter", "barrier")
    assert workers._shared == {"counter": "counter", "barrier": "barrier"}


def test_bump_counts_exactly_and_returns_its_loop_time():
    counter = multiprocessing.Value("i", 0)
    workers.install(counter, None)
    seconds = workers.bump((123, True))
    assert 0 <= seconds < 10
    workers.bump((7, False))
    assert counter.value == 130


@pytest.mark.timeout(120)
@pytest.mark.parametrize("method", START_METHODS)
def test_locked_totals_are_exact_under_every_start_method(method):
    ctx = multiprocessing.get_context(method)
    counter, barrier = ctx.Value("i", 0), ctx.Barrier(2)
    with ctx.Pool(2, initializer=workers.install, initargs=(counter, barrier)) as pool:
        for _ in range(3):
            counter.value = 0
            loops = pool.map_async(workers.bump, [(3_000, True)] * 2,
                                   chunksize=1).get(timeout=60)
            assert counter.value == 6_000
    assert len(loops) == 2 and all(s >= 0 for s in loops)


@pytest.mark.timeout(120)
def test_a_manager_value_can_be_installed_and_bumped():
    ctx = mp_context()
    with ctx.Manager() as manager:
        counter = manager.Value("i", 0)
        with ctx.Pool(1, initializer=workers.install, initargs=(counter, None)) as pool:
            pool.map_async(workers.bump, [(50, False)], chunksize=1).get(timeout=60)
        assert counter.value == 50  # one worker: nothing to race with


def test_a_value_in_map_arguments_raises_runtime_error():
    ctx = mp_context()
    counter = ctx.Value("i", 0)
    with ctx.Pool(1) as pool, pytest.raises(RuntimeError, match="through inheritance"):
        pool.apply_async(repr, (counter,)).get(timeout=60)


# ---- section 4: costs ----

def test_per_op_seconds_counts_calls_and_validates():
    calls = []
    seconds = experiment.per_op_seconds(calls.append, 50, repeat=2)
    assert len(calls) == 100 and seconds > 0
    with pytest.raises(TypeError, match="op must be a function"):
        experiment.per_op_seconds(3, 10)
    with pytest.raises(ValueError, match="n must be >= 1"):
        experiment.per_op_seconds(calls.append, 0)
    with pytest.raises(TypeError, match="repeat must be a whole number"):
        experiment.per_op_seconds(calls.append, 5, repeat=1.5)


# ---- section 5: shared memory ----

def test_formula_values():
    assert workers.formula(0, 4).tolist() == [0.0, 1.5, 2.414213562373095,
                                                   3.232050807568877]


@given(start=st.integers(0, 500), length=st.integers(0, 500))
def test_formula_slices_agree_with_the_whole(start, length):
    whole = workers.formula(0, start + length)
    assert np.array_equal(workers.formula(start, start + length), whole[start:])


def test_fill_slice_writes_only_its_slice(block):
    start, stop, pid = workers.fill_slice((block.name, 10, 3, 7))
    assert (start, stop, pid) == (3, 7, os.getpid())
    expected = np.zeros(10)
    expected[3:7] = workers.formula(3, 7)
    view = np.frombuffer(block.buf, dtype=np.float64)
    assert np.array_equal(view, expected)
    del view


def test_fill_slice_closes_its_mapping_when_it_fails(block):
    with pytest.raises(ValueError):
        workers.fill_slice((block.name, 11, 0, 1))  # 11 floats do not fit 80 bytes
    # the worker closed its own mapping, so the owner's close() and unlink() (fixture) succeed


@pytest.mark.timeout(120)
@pytest.mark.parametrize("method", START_METHODS)
def test_a_pool_fills_a_shared_array_under_every_start_method(method, block):
    tasks = [(block.name, 10, 0, 5), (block.name, 10, 5, 10)]
    with multiprocessing.get_context(method).Pool(2) as pool:
        pool.map_async(workers.fill_slice, tasks, chunksize=1).get(timeout=60)
    view = np.frombuffer(block.buf, dtype=np.float64)
    assert np.array_equal(view, workers.formula(0, 10))
    del view


def test_nbytes_in_block(block):
    assert workers.nbytes_in_block(block.name) >= 80
    with pytest.raises(FileNotFoundError):
        workers.nbytes_in_block("no-such-block-for-the-course")


def test_block_exists():
    created = shared_memory.SharedMemory(create=True, size=16)
    try:
        assert experiment.block_exists(created.name)
    finally:
        created.close()
        created.unlink()
    assert not experiment.block_exists(created.name)
    assert not experiment.block_exists("no-such-block-for-the-course")
    with pytest.raises(TypeError, match="non-empty str"):
        experiment.block_exists("")


# ---- section 6: pipes ----

@pytest.mark.timeout(120)
def test_sum_to_pipe_from_a_child_process():
    ctx = mp_context()
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=workers.sum_to_pipe, args=(sender, 10, 20))
    child.start()
    sender.close()
    assert receiver.poll(timeout=60)
    assert receiver.recv() == float(workers.formula(10, 20).sum())
    child.join(timeout=60)
    assert child.exitcode == 0


# ---- exercises: the references pass, wrong answers fail ----

def test_statements_have_a_reason_each_and_two_labels():
    assert set(answers.WHY) == set(answers.STATEMENTS)
    assert exercises.labels_of(answers.STATEMENTS) == ["racy", "safe"]
    assert exercises.passes(exercises.choose_labels, dict(answers.STATEMENTS), answers.STATEMENTS,
                            why=answers.WHY)
    wrong = {**answers.STATEMENTS, "v.value += 1": "safe"}
    with redirect_stdout(io.StringIO()) as said:
        assert not exercises.passes(exercises.choose_labels, wrong, answers.STATEMENTS,
                                    why=answers.WHY)
    assert "another process can write in between" in said.getvalue()


def _fill(pool, n, *, cleanup):
    block = shared_memory.SharedMemory(create=True, size=n * 8)
    try:
        tasks = [(block.name, n, 0, n // 2), (block.name, n, n // 2, n)]
        pool.map_async(workers.fill_slice, tasks, chunksize=1).get(timeout=30)
        view = np.frombuffer(block.buf, dtype=np.float64, count=n)
        result = view.copy()
        del view
    finally:
        if cleanup:
            block.close()
            block.unlink()
    return result


def test_owner_trial_accepts_an_owner_that_cleans_up():
    trial = answers.owner_trial(lambda pool, n: _fill(pool, n, cleanup=True))
    assert trial() is None


def test_owner_trial_catches_a_leak_and_removes_it():
    trial = answers.owner_trial(lambda pool, n: _fill(pool, n, cleanup=False))
    assert "never unlinked" in trial()


def test_owner_trial_catches_a_swallowed_error_and_a_wrong_result():
    def swallow(pool, n):
        try:
            return _fill(pool, n, cleanup=True)
        except answers.WorkerFailed:
            return np.zeros(n)

    assert "not the worker's error" in answers.owner_trial(swallow)()
    assert "differs from formula" in answers.owner_trial(lambda pool, n: np.zeros(n))()


def test_the_failing_pool_records_names_and_raises():
    pool = answers.FailingPool()
    result = pool.map_async(workers.fill_slice, [("a", 1, 0, 1), ("b", 1, 0, 1)])
    assert pool.names == ["a", "b"]
    with pytest.raises(answers.WorkerFailed):
        result.get(timeout=1)


def test_the_thread_pool_runs_fill_slice_like_a_process_pool():
    with ThreadPool(2) as pool:
        assert np.array_equal(_fill(pool, 100, cleanup=True), workers.formula(0, 100))


def test_fill_slice_closes_its_mapping_when_the_slice_does_not_fit(block):
    with pytest.raises(ValueError):
        workers.fill_slice((block.name, 10, 5, 12))  # formula gives 7 values for 5 slots
