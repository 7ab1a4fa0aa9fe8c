"""Unit tests of helpers.threads: process/thread targets, the exception collector, checkers."""

import queue
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import threads
from helpers.machine import mp_context

# ---- targets ----

@given(start=st.lists(st.integers(), max_size=5), value=st.integers())
def test_append_value_appends_exactly_one_item(start, value):
    items = list(start)
    threads.append_value(items, value)
    assert items == [*start, value]


@pytest.mark.parametrize("items", [(), "abc", None, {1: 2}])
def test_append_value_rejects_what_is_not_a_list(items):
    with pytest.raises(TypeError, match="items must be a list"):
        threads.append_value(items, 1)


def test_append_and_report_puts_the_copy_on_the_queue():
    results = queue.Queue()
    items = [1]
    threads.append_and_report(items, 2, results)
    assert results.get(timeout=1) == (2, [1, 2])
    assert items == [1, 2]


def test_append_and_report_rejects_what_is_not_a_queue():
    with pytest.raises(TypeError, match="results must be a queue"):
        threads.append_and_report([], 1, [])


@pytest.mark.timeout(60)
def test_a_child_process_appends_to_its_own_copy():
    ctx = mp_context()
    results = ctx.Queue()
    parent = []
    child = ctx.Process(target=threads.append_and_report, args=(parent, 7, results))
    child.start()
    report = results.get(timeout=30)
    child.join(timeout=30)
    assert not child.is_alive() and child.exitcode == 0
    assert report == (7, [7]) and parent == []


def test_fail_with_raises_the_given_error():
    with pytest.raises(KeyError, match="k"):
        threads.fail_with(KeyError("k"))


def test_fail_with_rejects_a_non_exception():
    with pytest.raises(TypeError, match="error must be an exception instance"):
        threads.fail_with("boom")


def test_sleep_then_record_waits_and_records():
    marks = []
    start = time.perf_counter()
    threads.sleep_then_record(0.02, marks)
    assert time.perf_counter() - start >= 0.02 and marks == ["done"]


@pytest.mark.parametrize(("seconds", "done", "error"), [
    (-1, [], ValueError), ("1", [], ValueError), (True, [], ValueError), (0, (), TypeError)])
def test_sleep_then_record_validates(seconds, done, error):
    with pytest.raises(error):
        threads.sleep_then_record(seconds, done)


# ---- SquareThread and the exception collector ----

@given(number=st.integers(-10**6, 10**6))
@settings(max_examples=20, deadline=None)
def test_square_thread_computes_the_square(number):
    thread = threads.SquareThread(number)
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive() and thread.result == number * number
    assert thread.name == f"square-{number}"


@pytest.mark.parametrize("number", [1.5, "3", True])
def test_square_thread_rejects_non_ints(number):
    with pytest.raises(TypeError, match="number must be an int"):
        threads.SquareThread(number)


def test_collector_records_and_restores_the_hook():
    before = threading.excepthook
    with threads.collect_thread_exceptions() as caught:
        t = threading.Thread(target=threads.fail_with, args=(ValueError("x"),), name="bad")
        t.start()
        t.join(timeout=5)
        assert threading.excepthook is not before
    assert threading.excepthook is before
    assert [type(e) for e in caught.errors] == [ValueError] and caught.thread_names == ["bad"]


def test_collector_restores_the_hook_after_an_error():
    before = threading.excepthook
    with pytest.raises(RuntimeError), threads.collect_thread_exceptions():
        raise RuntimeError("inside the block")
    assert threading.excepthook is before


# ---- exercise checkers ----

def finished_right(thread, timeout):
    thread.join(timeout=timeout)
    return not thread.is_alive()


def test_check_finished_within_accepts_the_solution(capsys):
    assert threads.check_finished_within(finished_right) is True
    assert "✔" in capsys.readouterr().out


@pytest.mark.parametrize(("answer", "hint"), [
    (lambda thread, timeout: thread.join(timeout), "returned None"),
    (lambda thread, timeout: True, "expected False"),
    (lambda thread, timeout: 1 / 0, "raised ZeroDivisionError"),
])
def test_check_finished_within_explains_wrong_answers(answer, hint, capsys):
    assert threads.check_finished_within(answer) is False
    assert hint in capsys.readouterr().out


def test_check_finished_within_rejects_a_non_callable():
    with pytest.raises(TypeError, match="pass your function itself"):
        threads.check_finished_within(None)


def test_check_error_returned_accepts_the_reference(capsys):
    assert threads.check_error_returned(threads.run_and_catch_reference) is True
    assert "✔" in capsys.readouterr().out


def run_here(func):
    try:
        func()
    except Exception as error:
        return error
    return None


def run_in_a_thread_and_lose_it(func):
    t = threading.Thread(target=func)
    t.start()
    t.join(timeout=5)


@pytest.mark.parametrize(("answer", "hint"), [
    (run_here, "ran in the calling thread"),
    (run_in_a_thread_and_lose_it, "reached threading.excepthook"),
    (lambda func: func(), "raised KeyError"),
])
def test_check_error_returned_explains_wrong_answers(answer, hint, capsys):
    assert threads.check_error_returned(answer) is False
    assert hint in capsys.readouterr().out


def test_check_error_returned_rejects_a_non_callable():
    with pytest.raises(TypeError, match="pass your function itself"):
        threads.check_error_returned(42)


def test_run_and_catch_reference():
    assert threads.run_and_catch_reference(lambda: 1) is None
    assert isinstance(threads.run_and_catch_reference(lambda: {}["x"]), KeyError)
    with pytest.raises(TypeError, match="func must be callable"):
        threads.run_and_catch_reference(3)
