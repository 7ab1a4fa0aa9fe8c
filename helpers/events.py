"""Workers, measurements and checkers for notebook 05 (coordinating threads).

>>> counter = Counter()
>>> result = hammer(add_locked, counter, threads=4, per_thread=100)
>>> result.lost
0
>>> peak_concurrency([Span("a", 1, 0.0, 1.0), Span("b", 2, 0.5, 1.5)])
2
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from helpers.checks import feedback
from helpers.tracing import (  # noqa: F401 - re-exported: the notebook reads them here
    Recorder,
    Span,
    concurrency_over_time,
    peak_concurrency,
)


class Counter:
    """A shared integer, a shared dict of tallies, and the lock that protects them.

    >>> c = Counter()
    >>> c.value, c.counts, c.lock.locked(), c.total
    (0, {}, False, 0)
    """

    def __init__(self) -> None:
        self.value = 0
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()

    @property
    def total(self) -> int:
        """``value`` plus every tally: the number of increments that survived."""
        return self.value + sum(self.counts.values())

    def reset(self) -> None:
        self.value = 0
        self.counts.clear()


def _check_counter(counter: object, n: int) -> None:
    if not isinstance(counter, Counter):
        raise TypeError(f"counter must be an events.Counter, got {type(counter).__name__}")
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")


def add_plain(counter: Counter, n: int) -> None:
    """``counter.value += 1``, ``n`` times, with no lock: a read, an add and a write.

    >>> c = Counter(); add_plain(c, 3); c.value
    3
    """
    _check_counter(counter, n)
    for _ in range(n):
        counter.value += 1


def tally_with_get(counter: Counter, n: int) -> None:
    """``counts["hits"] = counts.get("hits", 0) + 1``, ``n`` times: the word-count idiom.

    The read happens inside a call (``dict.get``); the interpreter may switch threads when a
    call returns, so another thread can write between this read and this write.

    >>> c = Counter(); tally_with_get(c, 3); c.counts
    {'hits': 3}
    """
    _check_counter(counter, n)
    counts = counter.counts
    for _ in range(n):
        counts["hits"] = counts.get("hits", 0) + 1


def yield_gil() -> None:
    """Stand-in for real work between a read and a write: ``time.sleep(0)`` releases the GIL,
    so another thread runs right there.

    >>> yield_gil()
    """
    time.sleep(0)


def add_with_gap(counter: Counter, n: int) -> None:
    """Read, let other threads run (:func:`yield_gil`), write: the race made visible.

    >>> c = Counter(); add_with_gap(c, 3); c.value
    3
    """
    _check_counter(counter, n)
    for _ in range(n):
        value = counter.value
        yield_gil()
        counter.value = value + 1


def add_locked(counter: Counter, n: int) -> None:
    """The same read, gap and write, holding ``counter.lock``: nothing can come in between.

    >>> c = Counter(); add_locked(c, 3); c.value
    3
    """
    _check_counter(counter, n)
    for _ in range(n):
        with counter.lock:
            value = counter.value
            yield_gil()
            counter.value = value + 1


def add_plain_locked(counter: Counter, n: int) -> None:
    """``counter.value += 1`` under ``counter.lock``: to measure what the lock alone costs.

    >>> c = Counter(); add_plain_locked(c, 3); c.value
    3
    """
    _check_counter(counter, n)
    for _ in range(n):
        with counter.lock:
            counter.value += 1


@dataclass(frozen=True)
class RaceResult:
    """How many increments were asked for, how many the counter shows, and the wall time."""

    expected: int
    counted: int
    seconds: float

    @property
    def lost(self) -> int:
        """Increments that were overwritten by another thread (0 when the code is correct)."""
        return self.expected - self.counted


def hammer(add: Callable[[Counter, int], None], counter: Counter, *, threads: int = 4,
           per_thread: int = 10_000, timeout: float = 30.0) -> RaceResult:
    """Run ``add(counter, per_thread)`` on ``threads`` threads at once and count what was lost.

    The counter is reset first; every thread is joined with ``timeout``.

    >>> hammer(add_plain, Counter(), threads=1, per_thread=10).lost
    0
    """
    if not callable(add):
        raise TypeError(f"add must be callable, got {type(add).__name__}")
    _check_counter(counter, per_thread)
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"threads must be an int >= 1, got {threads!r}")
    counter.reset()
    start_line = threading.Barrier(threads)

    def run() -> None:
        start_line.wait(timeout=timeout)  # all threads start adding at the same moment
        add(counter, per_thread)

    workers = [threading.Thread(target=run, name=f"adder-{i}") for i in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=timeout)
    seconds = time.perf_counter() - start
    alive = [w.name for w in workers if w.is_alive()]
    if alive:
        raise TimeoutError(f"threads still running after {timeout} s: {alive}")
    return RaceResult(threads * per_thread, counter.total, seconds)


def bounded_task(limit: threading.Semaphore, recorder: Recorder, task: int,
                 seconds: float) -> None:
    """Wait for a slot of ``limit``, then hold it for ``seconds``, recording the span held.

    >>> r = Recorder(); bounded_task(threading.Semaphore(1), r, 0, 0.0); len(r.spans)
    1
    """
    if not hasattr(limit, "acquire"):
        raise TypeError(f"limit must be a Semaphore, got {type(limit).__name__}")
    if not isinstance(recorder, Recorder):
        raise TypeError(f"recorder must be a tracing.Recorder, got {type(recorder).__name__}")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise ValueError(f"seconds must be a number >= 0, got {seconds!r}")
    if not limit.acquire(timeout=30):
        raise TimeoutError("no slot of the semaphore came free in 30 s")
    try:
        with recorder.span(task):
            time.sleep(seconds)
    finally:
        limit.release()


def _check_spans(spans: Sequence[Span]) -> list[Span]:
    spans = list(spans)
    if not all(isinstance(span, Span) for span in spans):
        raise TypeError("spans must be helpers.tracing.Span objects")
    return spans


def take_two(first: threading.Lock, second: threading.Lock, *, timeout: float,
             ready: threading.Barrier | None = None) -> bool:
    """Hold ``first``, then try ``second`` for at most ``timeout`` seconds. Returns True if
    both were held at once; releases whatever it took.

    With ``ready`` (a ``Barrier`` shared by the threads), each thread waits there after taking
    its first lock, so that all of them hold one lock before any asks for its second: the
    worst case, made certain. A barrier that times out is ignored.

    >>> a, b = threading.Lock(), threading.Lock()
    >>> take_two(a, b, timeout=0.1), a.locked(), b.locked()
    (True, False, False)
    """
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")
    for lock in (first, second):
        if not (hasattr(lock, "acquire") and hasattr(lock, "release")):
            raise TypeError(f"expected locks, got {type(lock).__name__}")
    if ready is not None and not isinstance(ready, threading.Barrier):
        raise TypeError(f"ready must be a threading.Barrier or None, got {type(ready).__name__}")
    if not first.acquire(timeout=timeout):
        return False
    try:
        if ready is not None:
            with contextlib.suppress(threading.BrokenBarrierError):
                ready.wait(timeout=timeout)
        got_second = second.acquire(timeout=timeout)
        if got_second:
            second.release()
        return got_second
    finally:
        first.release()


def in_global_order(*locks: object) -> list:
    """The locks sorted by one global rule (here ``id``): take them in this order, always.

    >>> a, b = threading.Lock(), threading.Lock()
    >>> in_global_order(a, b) == in_global_order(b, a)
    True
    """
    if not locks:
        raise TypeError("in_global_order() needs at least one lock")
    return sorted(locks, key=id)


# ---- exercise checkers: they print feedback and return True only for a correct answer ----

def check_safe_increment(increment: Callable[[Counter], None]) -> bool:
    """Exercise 1: ``increment(counter)`` adds 1 to ``counter.value`` with no update lost, even
    with :func:`yield_gil` between its read and its write."""
    if not callable(increment):
        raise TypeError("pass your function itself: check_safe_increment(increment)")
    try:
        single = Counter()
        increment(single)
    except Exception as error:  # the learner's code: report, do not crash the cell
        return feedback([f"increment(counter) raised {error!r}"], "")
    if single.value != 1:
        return feedback([f"one call should make value 1, it made it {single.value!r}"], "")

    def add(counter: Counter, n: int) -> None:
        for _ in range(n):
            increment(counter)

    result = hammer(add, Counter(), threads=4, per_thread=500)
    problems = []
    if result.lost:
        problems.append(f"{result.lost} of {result.expected} increments were lost: hold "
                        "counter.lock around the whole read-gap-write")
    return feedback(problems, f"4 threads × 500 increments gave exactly {result.counted}")


def check_lock_order(order: Callable[[object, object], Sequence]) -> bool:
    """Exercise 2: ``order(a, b)`` gives both locks in an order that does not depend on the
    order they were passed in, so two threads can never wait for each other."""
    if not callable(order):
        raise TypeError("pass your function itself: check_lock_order(order)")
    locks = [threading.Lock() for _ in range(4)]
    problems = []
    for a in locks:
        for b in locks:
            if a is b:
                continue
            try:
                ab, ba = list(order(a, b)), list(order(b, a))
            except Exception as error:  # the learner's code: report, do not crash the cell
                return feedback([f"order(a, b) raised {error!r}"], "")
            if sorted(map(id, ab)) != sorted([id(a), id(b)]):
                problems.append("order(a, b) must return the two locks it was given, once each")
                break
            if [id(x) for x in ab] != [id(x) for x in ba]:
                problems.append("order(a, b) and order(b, a) differ: two threads would take the "
                                "locks in opposite orders and could deadlock")
                break
    if problems:
        return feedback(problems[:1], "")
    # Live: two threads take the pair as order() says, passed in opposite orders.
    a, b = locks[:2]
    outcomes: list[bool] = []

    def transfer(x: object, y: object) -> None:
        for _ in range(200):
            first, second = order(x, y)
            ok = take_two(first, second, timeout=2)
            outcomes.append(ok)

    workers = [threading.Thread(target=transfer, args=pair) for pair in ((a, b), (b, a))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    if any(worker.is_alive() for worker in workers) or not all(outcomes):
        problems.append("with your order, a thread timed out waiting for its second lock")
    return feedback(problems, f"{len(outcomes)} transfers in opposite directions, none stuck")
