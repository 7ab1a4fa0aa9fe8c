"""Workers and checkers for notebook 03 (the life of a thread: start, join, daemon, exceptions).

Functions that a ``multiprocessing.Process`` runs must be importable by the child under every
start method, so they live here and the notebook shows their source.

>>> box = []
>>> append_value(box, 3)
>>> box
[3]
>>> with collect_thread_exceptions() as caught:
...     t = threading.Thread(target=fail_with, args=(ValueError("boom"),))
...     t.start()
...     t.join(timeout=5)
>>> [type(error).__name__ for error in caught.errors]
['ValueError']
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from helpers.checks import feedback


def append_value(items: list, value: Any) -> None:
    """The article's ``my_func`` without the print: append ``value`` to ``items``.

    >>> numbers = [1]
    >>> append_value(numbers, 2)
    >>> numbers
    [1, 2]
    """
    if not isinstance(items, list):
        raise TypeError(f"items must be a list, got {type(items).__name__}")
    items.append(value)


def append_and_report(items: list, value: Any, results: Any) -> None:
    """Append ``value`` to ``items`` and put ``(value, copy of items)`` on ``results`` (a queue).

    Run as a ``Process`` target: the child appends to *its own copy* of the list, and the
    queue is how the parent learns what that copy held.

    >>> import queue
    >>> q = queue.Queue()
    >>> append_and_report([], 5, q)
    >>> q.get(timeout=1)
    (5, [5])
    """
    if not hasattr(results, "put"):
        raise TypeError(f"results must be a queue with .put(), got {type(results).__name__}")
    append_value(items, value)
    results.put((value, list(items)))


def fail_with(error: BaseException) -> None:
    """Raise ``error``: a thread target that fails, for the exception-handling section.

    >>> try:
    ...     fail_with(KeyError("k"))
    ... except KeyError as caught:
    ...     print(repr(caught))
    KeyError('k')
    """
    if not isinstance(error, BaseException):
        raise TypeError(f"error must be an exception instance, got {type(error).__name__}")
    raise error


@dataclass
class ThreadExceptions:
    """What :func:`collect_thread_exceptions` caught: one entry per thread that died of an error."""

    errors: list[BaseException] = field(default_factory=list)
    thread_names: list[str] = field(default_factory=list)


@contextmanager
def collect_thread_exceptions() -> Iterator[ThreadExceptions]:
    """Replace ``threading.excepthook`` for the ``with`` block and record what reaches it.

    By default an exception that ends a thread is printed to stderr by ``threading.excepthook``
    and is otherwise lost: ``join()`` does not raise it. This records it instead, and restores
    the previous hook on exit.

    >>> with collect_thread_exceptions() as caught:
    ...     pass
    >>> caught.errors
    []
    """
    caught = ThreadExceptions()
    lock = threading.Lock()
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        with lock:
            caught.errors.append(args.exc_value)
            caught.thread_names.append(args.thread.name if args.thread else "?")

    threading.excepthook = hook
    try:
        yield caught
    finally:
        threading.excepthook = previous


class SquareThread(threading.Thread):
    """The subclassing style: override ``run`` and keep the result on the thread object.

    >>> t = SquareThread(7)
    >>> t.start(); t.join(timeout=5)
    >>> t.result
    49
    """

    def __init__(self, number: int) -> None:
        if not isinstance(number, int) or isinstance(number, bool):
            raise TypeError(f"number must be an int, got {type(number).__name__}")
        super().__init__(name=f"square-{number}")
        self.number = number
        self.result: int | None = None

    def run(self) -> None:
        self.result = self.number * self.number


def sleep_then_record(seconds: float, done: list) -> None:
    """Sleep ``seconds``, then append ``"done"`` to ``done``: a thread target that takes a while.

    >>> marks = []
    >>> sleep_then_record(0, marks)
    >>> marks
    ['done']
    """
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise ValueError(f"seconds must be a number >= 0, got {seconds!r}")
    if not isinstance(done, list):
        raise TypeError(f"done must be a list, got {type(done).__name__}")
    time.sleep(seconds)
    done.append("done")


# ---- exercise checkers: they print feedback and return True only for a correct answer ----

def check_finished_within(finished_within: Callable[[threading.Thread, float], bool]) -> bool:
    """Exercise 1: ``finished_within(thread, timeout)`` waits at most ``timeout`` seconds and
    returns True only if the thread has ended."""
    if not callable(finished_within):
        raise TypeError("pass your function itself: check_finished_within(finished_within)")
    problems: list[str] = []
    release = threading.Event()
    quick = threading.Thread(target=time.sleep, args=(0.01,), name="quick")
    slow = threading.Thread(target=release.wait, args=(10,), name="slow")
    quick.start()
    slow.start()
    try:
        for thread, expected in ((quick, True), (slow, False)):
            start = time.perf_counter()
            try:
                got = finished_within(thread, 0.3)
            except Exception as error:  # the learner's code: report, do not crash the cell
                problems.append(f"finished_within({thread.name!r} thread, 0.3) raised {error!r}")
                continue
            waited = time.perf_counter() - start
            if got is None:
                problems.append("your function returned None (that is what join() returns, "
                                "whatever happened). Ask the thread with is_alive().")
            elif got is not expected:
                problems.append(f"the {thread.name} thread: expected {expected}, got {got!r}")
            if waited > 2:
                problems.append(f"you waited {waited:.1f} s for the {thread.name} thread; "
                                "pass the timeout to join()")
    finally:
        release.set()
        slow.join(timeout=5)
        quick.join(timeout=5)
    return feedback(problems, "join(timeout) then is_alive() tells finished from still running")


def check_error_returned(run_and_catch: Callable[[Callable[[], Any]], BaseException | None]
                         ) -> bool:
    """Exercise 2: ``run_and_catch(func)`` runs ``func`` in another thread and returns the
    exception it raised (``None`` if it returned), without the error reaching the excepthook."""
    if not callable(run_and_catch):
        raise TypeError("pass your function itself: check_error_returned(run_and_catch)")
    problems: list[str] = []
    main = threading.get_ident()
    ran_in: list[int] = []

    def ok() -> int:
        ran_in.append(threading.get_ident())
        return 1

    def bad() -> None:
        ran_in.append(threading.get_ident())
        raise KeyError("missing")

    with collect_thread_exceptions() as caught:
        for func, expected in ((ok, None), (bad, KeyError)):
            try:
                got = run_and_catch(func)
            except Exception as error:  # the learner's code: report, do not crash the cell
                problems.append(f"run_and_catch({func.__name__}) raised {error!r} in the caller;"
                                " return the exception instead")
                continue
            if expected is None and got is not None:
                problems.append(f"a function that succeeds should give None, got {got!r}")
            if expected is not None and not isinstance(got, expected):
                problems.append(f"a function raising KeyError should give that KeyError, "
                                f"got {got!r}")
    if caught.errors:
        problems.append(f"{len(caught.errors)} error(s) reached threading.excepthook: catch "
                        "them in the thread (or use an executor's Future)")
    if ran_in and all(ident == main for ident in ran_in):
        problems.append("func ran in the calling thread; run it in another thread")
    return feedback(problems, "the error came back to the caller as a value")


def run_and_catch_reference(func: Callable[[], Any]) -> BaseException | None:
    """A correct answer to exercise 2, used by the tests.

    >>> run_and_catch_reference(lambda: 1 / 0).__class__.__name__
    'ZeroDivisionError'
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(func).exception(timeout=30)
