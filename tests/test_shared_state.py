"""Unit tests of helpers.shared_state: workers, shared blocks and their cleanup, checkers."""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing import shared_memory
from multiprocessing.pool import ThreadPool

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import shared_state
from helpers.machine import mp_context

START_METHODS = multiprocessing.get_all_start_methods()


# ---- section 1: the article's worker ----

def test_article_worker_appends_to_its_list_and_bumps_the_shared_cells():
    items, value, array = [], multiprocessing.Value("i", 1), multiprocessing.Array("d", 5)
    shared_state.article_worker(items, value, array)
    assert items == [os.getpid()]
    assert value.value == 2 and list(array) == [0.0, 0.0, 1.0, 0.0, 0.0]


def test_article_worker_rejects_a_tuple():
    with pytest.raises(TypeError, match="items must be a list, got tuple"):
        shared_state.article_worker((), multiprocessing.Value("i", 0),
                                    multiprocessing.Array("d", 5))


def test_processes_share_the_value_but_not_the_list():
    ctx = mp_context()
    items, value, array = [], ctx.Value("i", 0), ctx.Array("d", [1.0] * 5)
    children = [ctx.Process(target=shared_state.article_worker, args=(items, value, array))
                for _ in range(3)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
    assert all(c.exitcode == 0 for c in children)
    assert items == [] and value.value == 3
    assert list(array) == [1.0, 2.0, 2.0, 2.0, 1.0]


# ---- section 2: the counter ----

def test_bump_counts_exactly_with_the_lock():
    counter = multiprocessing.Value("i", 0)
    shared_state.install(counter, None)
    assert shared_state.bump((123, True)) == os.getpid()
    assert shared_state.bump((7, False)) == os.getpid()
    assert counter.value == 130


@pytest.mark.parametrize(("task", "error", "message"), [
    (5, TypeError, r"an \(increments, locked\) tuple"),
    ((5,), TypeError, r"an \(increments, locked\) tuple"),
    ((-1, True), ValueError, "increments must be >= 0"),
    ((2.5, True), TypeError, "increments must be an int"),
    ((5, "yes"), TypeError, "locked must be True or False"),
])
def test_bump_rejects_bad_tasks(task, error, message):
    shared_state.install(multiprocessing.Value("i", 0), None)
    with pytest.raises(error, match=message):
        shared_state.bump(task)


def test_bump_without_an_installed_counter_says_how_to_fix_it(monkeypatch):
    monkeypatch.setattr(shared_state, "_shared", {})
    with pytest.raises(RuntimeError, match="initializer=install"):
        shared_state.bump((1, True))


@pytest.mark.timeout(120)
@pytest.mark.parametrize("method", START_METHODS)
def test_locked_totals_are_exact_under_every_start_method(method):
    ctx = multiprocessing.get_context(method)
    counter, barrier = ctx.Value("i", 0), ctx.Barrier(2)
    with ctx.Pool(2, initializer=shared_state.install, initargs=(counter, barrier)) as pool:
        for _ in range(3):
            counter.value = 0
            pids = pool.map_async(shared_state.bump, [(3_000, True)] * 2,
                                  chunksize=1).get(timeout=60)
            assert counter.value == 6_000
    assert len(set(pids)) == 2  # the barrier made each task run in its own worker


def test_a_value_in_map_arguments_raises_runtime_error():
    ctx = mp_context()
    counter = ctx.Value("i", 0)
    with ctx.Pool(1) as pool, pytest.raises(RuntimeError, match="through inheritance"):
        pool.apply_async(shared_state.add_one, (counter,)).get(timeout=60)
    assert counter.value == 0


def test_add_one_adds_one_and_rejects_plain_ints():
    counter = multiprocessing.Value("i", 9)
    assert shared_state.add_one(counter) == 10
    with pytest.raises(TypeError, match=r"must be a multiprocessing\.Value, got int"):
        shared_state.add_one(9)


def test_lost_fraction():
    assert shared_state.lost_fraction([100, 50], expected=100) == 0.25
    assert shared_state.lost_fraction([100], expected=100) == 0.0


@pytest.mark.parametrize(("finals", "expected", "error"), [
    ([], 10, ValueError), ([11], 10, ValueError), ([-1], 10, ValueError),
    ([5], 0, ValueError), ([5.0], 10, TypeError), ([True], 10, TypeError), ([5], "10", TypeError),
])
def test_lost_fraction_rejects_bad_input(finals, expected, error):
    with pytest.raises(error):
        shared_state.lost_fraction(finals, expected=expected)


@given(finals=st.lists(st.integers(0, 1_000), min_size=1, max_size=30))
def test_lost_fraction_is_a_fraction(finals):
    fraction = shared_state.lost_fraction(finals, expected=1_000)
    assert 0.0 <= fraction <= 1.0
    assert (fraction == 0.0) == all(f == 1_000 for f in finals)


# ---- section 4: proxies and costs ----

def test_append_to_appends_and_returns_the_pid():
    box = []
    assert shared_state.append_to((box, "x")) == os.getpid() and box == ["x"]
    with pytest.raises(TypeError, match=r"a \(list_proxy, item\) tuple"):
        shared_state.append_to(box)
    with pytest.raises(TypeError, match=r"must have \.append\(\), got int"):
        shared_state.append_to((3, "x"))


@pytest.mark.timeout(120)
def test_manager_list_proxy_collects_appends_from_pool_workers():
    ctx = mp_context()
    with ctx.Manager() as manager:
        collected = manager.list()
        with ctx.Pool(2) as pool:
            pool.map_async(shared_state.append_to, [(collected, i) for i in range(10)]).get(60)
        assert sorted(collected) == list(range(10))


def test_per_op_seconds_counts_calls_and_validates():
    calls = []
    seconds = shared_state.per_op_seconds(calls.append, 50, repeat=2)
    assert len(calls) == 100 and seconds > 0
    with pytest.raises(TypeError, match="op must be callable"):
        shared_state.per_op_seconds(3, 10)
    with pytest.raises(ValueError, match="n must be >= 1"):
        shared_state.per_op_seconds(calls.append, 0)
    with pytest.raises(TypeError, match="repeat must be an int"):
        shared_state.per_op_seconds(calls.append, 5, repeat=1.5)


# ---- section 5: shared memory ----

@given(start=st.integers(0, 500), length=st.integers(0, 500))
def test_formula_slices_agree_with_the_whole(start, length):
    whole = shared_state.formula(0, start + length)
    assert np.array_equal(shared_state.formula(start, start + length), whole[start:])


@pytest.mark.parametrize(("start", "stop", "error"), [
    (-1, 3, ValueError), (5, 3, ValueError), (0.0, 3, TypeError), (0, "3", TypeError)])
def test_formula_rejects_bad_bounds(start, stop, error):
    with pytest.raises(error):
        shared_state.formula(start, stop)


@settings(max_examples=200)
@given(n=st.integers(0, 10_000), parts=st.integers(1, 64))
def test_chunk_bounds_cover_everything_once_in_even_slices(n, parts):
    bounds = shared_state.chunk_bounds(n, parts)
    assert len(bounds) == parts
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(bounds[k][1] == bounds[k + 1][0] for k in range(parts - 1))
    sizes = [stop - start for start, stop in bounds]
    assert min(sizes) >= 0 and max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize(("n", "parts", "error"), [
    (-1, 2, ValueError), (10, 0, ValueError), (10.0, 2, TypeError), (10, True, TypeError)])
def test_chunk_bounds_rejects_bad_input(n, parts, error):
    with pytest.raises(error):
        shared_state.chunk_bounds(n, parts)


def test_shared_ndarray_is_zeroed_shared_and_removed_afterwards():
    names = []
    with shared_state.shared_ndarray(5, names=names) as (array, name):
        assert names == [name] and shared_state.block_exists(name)
        assert array.tolist() == [0.0] * 5
        other = shared_memory.SharedMemory(name=name)  # a second mapping sees the same bytes
        array[2] = 4.5
        assert np.frombuffer(other.buf, dtype=np.float64, count=5)[2] == 4.5
        other.close()
        del array
    assert not shared_state.block_exists(name)
    with pytest.raises(FileNotFoundError):
        shared_memory.SharedMemory(name=name)


def test_shared_ndarray_is_removed_when_the_body_raises():
    names = []
    with pytest.raises(KeyError), shared_state.shared_ndarray(3, names=names) as (array, _):
        del array
        raise KeyError("boom")
    assert not shared_state.block_exists(names[0])


def test_shared_ndarray_unlinks_even_if_a_view_survives():
    names = []
    with pytest.raises(BufferError, match="del` every view"):  # noqa: SIM117
        with shared_state.shared_ndarray(3, names=names) as (array, _):
            kept = array
            del array
    assert not shared_state.block_exists(names[0])  # the name is gone: nothing leaks
    assert kept.tolist() == [0.0] * 3  # and the surviving view still reads mapped memory
    del kept


@pytest.mark.parametrize(("n", "names", "error"), [
    (0, None, ValueError), (2.0, None, TypeError), (2, "names", TypeError)])
def test_shared_ndarray_rejects_bad_input(n, names, error):
    with pytest.raises(error), shared_state.shared_ndarray(n, names=names):
        pass


def test_fill_slice_writes_only_its_slice():
    with shared_state.shared_ndarray(10) as (array, name):
        assert shared_state.fill_slice((name, 10, 3, 7))[:2] == (3, 7)
        expected = np.zeros(10)
        expected[3:7] = shared_state.formula(3, 7)
        assert np.array_equal(array, expected)
        del array


@pytest.mark.parametrize("task", [
    ("x", 10, 3), ["x", 10, 0, 1], (3, 10, 0, 1)])
def test_fill_slice_rejects_bad_tasks(task):
    with pytest.raises(TypeError):
        shared_state.fill_slice(task)


@pytest.mark.parametrize(("n", "start", "stop"), [(11, 0, 1), (10, 5, 4), (10, 0, 11)])
def test_fill_slice_raises_and_still_closes_its_mapping(n, start, stop):
    with shared_state.shared_ndarray(10) as (array, name):
        with pytest.raises(ValueError):
            shared_state.fill_slice((name, n, start, stop))
        # the worker closed its own mapping, so the owner's close() and unlink() succeed
        del array
    assert not shared_state.block_exists(name)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("method", START_METHODS)
def test_parallel_fill_equals_the_single_process_reference(method):
    names = []
    with multiprocessing.get_context(method).Pool(2) as pool:
        filled = shared_state.parallel_fill(pool, 100_003, 3, names=names)
    assert np.array_equal(filled, shared_state.formula(0, 100_003))
    assert len(names) == 1 and not shared_state.block_exists(names[0])


@pytest.mark.timeout(120)
def test_parallel_fill_cleans_up_when_a_worker_raises(monkeypatch):
    names = []

    def bad_bounds(n, parts):  # a slice past the end: the worker raises ValueError
        return [(0, n // 2), (n // 2, n + 5)]

    monkeypatch.setattr(shared_state, "chunk_bounds", bad_bounds)
    with mp_context().Pool(2) as pool, pytest.raises(ValueError, match="stop <= n"):
        shared_state.parallel_fill(pool, 1_000, 2, names=names)
    assert len(names) == 1 and not shared_state.block_exists(names[0])
    with pytest.raises(FileNotFoundError):
        shared_memory.SharedMemory(name=names[0])


def test_parallel_fill_rejects_bad_input():
    with pytest.raises(TypeError, match="pool must be a Pool"):
        shared_state.parallel_fill([], 10, 2)
    with ThreadPool(1) as pool, pytest.raises(ValueError, match="workers must be >= 1"):
        shared_state.parallel_fill(pool, 10, 0)


def test_nbytes_workers():
    assert shared_state.nbytes_of(np.zeros(4)) == 32
    with pytest.raises(TypeError, match="must be a NumPy array"):
        shared_state.nbytes_of([0.0] * 4)
    with shared_state.shared_ndarray(4) as (array, name):
        del array
        assert shared_state.nbytes_in_block(name) >= 32
    with pytest.raises(TypeError, match="block name"):
        shared_state.nbytes_in_block(4)
    with pytest.raises(FileNotFoundError):
        shared_state.nbytes_in_block(name)


def test_pickle_round_trip_seconds():
    assert shared_state.pickle_round_trip_seconds(np.zeros(1_000), repeat=2) > 0
    with pytest.raises(TypeError, match="must be a NumPy array"):
        shared_state.pickle_round_trip_seconds(b"bytes")
    with pytest.raises(ValueError, match="repeat must be >= 1"):
        shared_state.pickle_round_trip_seconds(np.zeros(3), repeat=0)


def test_block_exists():
    block = shared_memory.SharedMemory(create=True, size=16)
    try:
        assert shared_state.block_exists(block.name)
    finally:
        block.close()
        block.unlink()
    assert not shared_state.block_exists(block.name)
    with pytest.raises(TypeError, match="non-empty str"):
        shared_state.block_exists("")


# ---- section 6: pipes ----

@pytest.mark.timeout(120)
def test_sum_to_pipe_from_a_child_process():
    ctx = mp_context()
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=shared_state.sum_to_pipe, args=(sender, 10, 20))
    child.start()
    sender.close()
    assert receiver.poll(timeout=60)
    assert receiver.recv() == float(shared_state.formula(10, 20).sum())
    child.join(timeout=60)
    assert child.exitcode == 0


def test_sum_to_pipe_rejects_what_is_not_a_connection():
    with pytest.raises(TypeError, match="must be a Connection"):
        shared_state.sum_to_pipe([], 0, 1)


# ---- exercise checkers ----

RIGHT_STATEMENTS = {s: r for s, (r, _) in shared_state.STATEMENTS.items()}
RIGHT_SITUATIONS = {s: r for s, (r, _) in shared_state.SITUATIONS.items()}


def test_check_statements(capsys):
    assert shared_state.check_statements(RIGHT_STATEMENTS) is True
    wrong = {**RIGHT_STATEMENTS, "v.value += 1": "safe"}
    assert shared_state.check_statements(wrong) is False
    assert "Count the critical sections" in capsys.readouterr().out
    assert shared_state.check_statements({}) is False
    with pytest.raises(TypeError, match="must be a dict"):
        shared_state.check_statements([])


def test_check_mechanism(capsys):
    assert shared_state.check_mechanism(RIGHT_SITUATIONS) is True
    wrong = dict.fromkeys(RIGHT_SITUATIONS, "Manager")
    assert shared_state.check_mechanism(wrong) is False
    assert "does it need sharing at all" in capsys.readouterr().out
    assert shared_state.check_mechanism({s: "?" for s in RIGHT_SITUATIONS}) is False
    with pytest.raises(TypeError, match="must be a dict"):
        shared_state.check_mechanism("Value")


def test_check_chunks_accepts_the_reference(capsys):
    assert shared_state.check_chunks(shared_state.chunk_bounds) is True


@pytest.mark.parametrize(("split", "hint"), [
    (lambda n, parts: None, "returns None"),
    (lambda n, parts: [(0, n)], "expected one per worker"),
    (lambda n, parts: [(0, n)] * parts, "no gap, no overlap"),
    (lambda n, parts: [(i * (n // parts), (i + 1) * (n // parts)) for i in range(parts)],
     "no gap, no overlap"),
    (lambda n, parts: [(0, 0)] * (parts - 1) + [(0, n)], "differ by more than one"),
    (lambda n, parts: 1 / 0, "raised ZeroDivisionError"),
    (lambda n, parts: ["ab"] * parts, "(start, stop) pairs"),
])
def test_check_chunks_explains_wrong_answers(split, hint, capsys):
    assert shared_state.check_chunks(split) is False
    assert hint in capsys.readouterr().out


def test_check_chunks_rejects_what_is_not_a_function():
    with pytest.raises(TypeError, match="pass your function itself"):
        shared_state.check_chunks([(0, 1)])


def test_shared_ndarray_lets_the_body_error_through_even_with_a_view_alive():
    names = []
    with pytest.raises(KeyError), shared_state.shared_ndarray(3, names=names) as (array, _):
        raise KeyError("the body's own error, not a BufferError")
    assert not shared_state.block_exists(names[0])
    del array
