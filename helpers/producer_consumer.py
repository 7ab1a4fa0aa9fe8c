"""Producer–consumer pipelines for notebook 04: the article's faulty basket, then queues that
lose nothing and always stop, on threads, on processes and on asyncio tasks.

Process targets must be importable by child processes under every start method, so every
worker lives here and the notebook shows its source. Every wait has a timeout: a broken
pipeline returns a result that says so (``stopped`` is False, items are missing) instead of
hanging.

An *item* is ``(producer, number)``: unique, so "consumed exactly once" is a count.

>>> result = run_threads(producers=2, consumers=3, items=10, maxsize=4)
>>> result.exactly_once, result.stopped, len(result.consumed)
(True, True, 10)
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from typing import TYPE_CHECKING, Any

from helpers.checks import feedback
from helpers.machine import mp_context
from helpers.tracing import Span

if TYPE_CHECKING:  # matplotlib is imported only to draw, not in every worker process
    from matplotlib.axes import Axes

Item = tuple[int, int]
#: What a consumer receives when it must stop: one per consumer. ``None`` survives pickling,
#: so ``item is STOP`` works across processes too.
STOP = None
KINDS = ("threads", "processes", "asyncio")
#: Extra seconds for the shutdown (STOP sentinels, joins) after the work's own timeout ran out.
SHUTDOWN_GRACE = 2.0


# ---------------------------------------------------------------- argument checks

def _count(name: str, value: Any, lowest: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < lowest:
        raise ValueError(f"{name} must be >= {lowest}, got {value}")
    return value


def _seconds(name: str, value: Any, *, positive: bool = False) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number of seconds, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be a finite number {'>' if positive else '>='} 0, "
                         f"got {value}")
    return float(value)


def _check_pipeline(producers: Any, consumers: Any, items: Any, maxsize: Any,
                    make_seconds: Any, work_seconds: Any, seed: Any, fail_on: Any,
                    timeout: Any) -> None:
    _count("producers", producers, 1)
    _count("consumers", consumers, 1)
    _count("items", items, 0)
    _count("maxsize", maxsize, 0)
    _seconds("make_seconds", make_seconds)
    _seconds("work_seconds", work_seconds)
    _seconds("timeout", timeout, positive=True)
    if seed is not None:
        _count("seed", seed, 0)
    if fail_on is not None and not (isinstance(fail_on, tuple) and len(fail_on) == 2):
        raise TypeError(f"fail_on must be an item (producer, number) or None, got {fail_on!r}")


def split_items(items: int, producers: int) -> list[int]:
    """How many items each producer makes: as even as possible, the first ones one more.

    >>> split_items(10, 3)
    [4, 3, 3]
    """
    _count("items", items, 0)
    _count("producers", producers, 1)
    share, extra = divmod(items, producers)
    return [share + (index < extra) for index in range(producers)]


def delays(seconds: float, seed: int | None, role: str, index: int) -> Callable[[], float]:
    """Return a function giving each next delay: always ``seconds``, or, with a ``seed``,
    random between 0 and ``2 × seconds`` (same mean), reproducibly per worker.

    >>> fixed = delays(0.01, None, "producer", 0)
    >>> fixed(), fixed()
    (0.01, 0.01)
    >>> a, b = delays(0.01, 7, "consumer", 1), delays(0.01, 7, "consumer", 1)
    >>> [a() for _ in range(3)] == [b() for _ in range(3)]
    True
    """
    seconds = _seconds("seconds", seconds)
    if seed is None:
        return lambda: seconds
    rng = random.Random(f"{seed}-{role}-{index}")
    return lambda: rng.uniform(0, 2 * seconds)


def handle(item: Item, fail_on: Item | None = None) -> Item:
    """The consumers' work on one item; raises ``ValueError`` for the item ``fail_on``.

    >>> handle((0, 1))
    (0, 1)
    """
    if fail_on is not None and tuple(item) == tuple(fail_on):
        raise ValueError(f"cannot handle item {item}")
    return item


# ---------------------------------------------------------------- the article's basket

@dataclass(frozen=True)
class BasketRun:
    """What happened to the article's shared-list basket in one bounded run."""

    cooks: int
    eaters: int
    limit: int
    made: int
    eaten: int
    left: int
    max_length: int
    overfills: int
    empty_pops: int
    seconds: float
    stopped: bool

    @property
    def lost(self) -> int:
        """Items made but neither eaten nor left in the basket (list operations are atomic
        under the GIL, so this stays 0: the race is in the *check*, not in ``append``)."""
        return self.made - self.eaten - self.left


def article_cook(basket: list, limit: int, stop: threading.Event, pause: float,
                 gap: float | None, tally: dict) -> None:
    """The article's producer, bounded: ``while True`` became ``while not stop.is_set()``,
    and ``print`` became counting. ``gap`` is an optional ``time.sleep`` between the check and
    the act, where any I/O (a print, a log call) could sit."""
    made = overfills = max_length = 0
    while not stop.is_set():
        time.sleep(pause)
        if len(basket) < limit:  # check ...
            if gap is not None:
                time.sleep(gap)
            basket.append("baozi")  # ... then act: the basket may have changed in between
            made += 1
            length = len(basket)
            overfills += length > limit
            max_length = max(max_length, length)
    tally[threading.current_thread().name] = (made, overfills, max_length)


def article_eater(basket: list, stop: threading.Event, pause: float, gap: float | None,
                  tally: dict) -> None:
    """The article's consumer, bounded. ``pop`` from an empty list raises ``IndexError``:
    in the article that kills the thread; here it is counted."""
    eaten = empty_pops = 0
    while not stop.is_set():
        time.sleep(pause)
        if basket:  # check ...
            if gap is not None:
                time.sleep(gap)
            try:
                basket.pop()  # ... then act
                eaten += 1
            except IndexError:
                empty_pops += 1
    tally[threading.current_thread().name] = (eaten, empty_pops)


def article_basket(cooks: int = 3, eaters: int = 5, limit: int = 10, *, seconds: float = 0.3,
                   pause: float = 0.001, gap: float | None = None) -> BasketRun:
    """Run the article's pipeline for ``seconds``, then stop it with an Event and join.

    ``pause`` is the article's ``time.sleep(1)`` per loop, scaled down.

    >>> run = article_basket(2, 2, seconds=0.05)
    >>> run.stopped, run.lost
    (True, 0)
    """
    _count("cooks", cooks, 1)
    _count("eaters", eaters, 1)
    _count("limit", limit, 1)
    _seconds("seconds", seconds)
    _seconds("pause", pause)
    if gap is not None:
        _seconds("gap", gap)
    basket: list = []
    stop = threading.Event()
    tally: dict = {}
    threads = [threading.Thread(target=article_cook, name=f"cook {i}",
                                args=(basket, limit, stop, pause, gap, tally))
               for i in range(cooks)]
    threads += [threading.Thread(target=article_eater, name=f"eater {i}",
                                 args=(basket, stop, pause, gap, tally))
                for i in range(eaters)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
    stopped = not any(thread.is_alive() for thread in threads)
    cooked = [tally.get(f"cook {i}", (0, 0, 0)) for i in range(cooks)]
    eaten = [tally.get(f"eater {i}", (0, 0)) for i in range(eaters)]
    return BasketRun(
        cooks=cooks, eaters=eaters, limit=limit,
        made=sum(c[0] for c in cooked), eaten=sum(e[0] for e in eaten), left=len(basket),
        max_length=max(c[2] for c in cooked), overfills=sum(c[1] for c in cooked),
        empty_pops=sum(e[1] for e in eaten), seconds=seconds, stopped=stopped,
    )


# ---------------------------------------------------------------- results

@dataclass(frozen=True)
class PipelineResult:
    """Everything one pipeline run did, and whether it did it right.

    ``spans`` holds the producers' *make* spans and the consumers' *work* spans (worker labels
    ``"producer i"`` / ``"consumer j"``); ``lengths`` holds ``(time, queue length)`` samples.
    """

    kind: str
    producers: int
    consumers: int
    maxsize: int
    produced: tuple[Item, ...]
    consumed: tuple[Item, ...]
    failed: tuple[tuple[Item, str], ...]
    spans: tuple[Span, ...]
    lengths: tuple[tuple[float, int], ...]
    start: float
    elapsed: float
    stopped: bool
    all_done: bool

    @property
    def accounted(self) -> Counter:
        """How many times each item came out: consumed, or failed and reported."""
        return Counter(self.consumed) + Counter(item for item, _ in self.failed)

    @property
    def missing(self) -> list[Item]:
        """Items produced that never came out (lost, or stuck in the queue)."""
        return sorted((Counter(self.produced) - self.accounted).elements())

    @property
    def duplicates(self) -> list[Item]:
        """Items that came out more than once."""
        return sorted(item for item, n in self.accounted.items() if n > 1)

    @property
    def exactly_once(self) -> bool:
        """Every item produced came out exactly once, and nothing else came out."""
        produced = Counter(self.produced)
        return (all(n == 1 for n in produced.values()) and self.accounted == produced)

    @property
    def throughput(self) -> float:
        """Items out per second of wall time."""
        return len(self.accounted) / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def max_length(self) -> int:
        return max((n for _, n in self.lengths), default=0)

    def summary(self) -> str:
        """One line: counts, whether every item came out once, time."""
        return (f"{self.kind}: {len(self.produced)} produced, {len(self.consumed)} consumed, "
                f"{len(self.failed)} failed, missing {len(self.missing)}, "
                f"duplicated {len(self.duplicates)}, exactly once: {self.exactly_once}, "
                f"stopped: {self.stopped}, queue at most {self.max_length}, "
                f"{self.elapsed:.3f} s")


def join_queue(q: Any, timeout: float) -> bool:
    """``q.join()`` with a timeout: True when every item put was marked ``task_done()``.

    ``Queue.join()`` and ``JoinableQueue.join()`` have no timeout. For ``queue.Queue`` this
    waits on the condition ``join()`` itself uses (``all_tasks_done``); for a multiprocessing
    ``JoinableQueue`` it runs ``join()`` in a helper thread and waits for that thread.

    >>> q = queue.Queue()
    >>> q.put(1)
    >>> join_queue(q, 0.01)
    False
    >>> q.get(), q.task_done()
    (1, None)
    >>> join_queue(q, 0.01)
    True
    """
    timeout = _seconds("timeout", timeout)
    if isinstance(q, queue.Queue):
        with q.all_tasks_done:
            return q.all_tasks_done.wait_for(lambda: q.unfinished_tasks == 0, timeout)
    if not callable(getattr(q, "join", None)) or not callable(getattr(q, "task_done", None)):
        raise TypeError(f"expected a queue with task_done() and join(), got {type(q).__name__}")
    waiter = threading.Thread(target=q.join, name="queue-join", daemon=True)
    waiter.start()
    waiter.join(timeout)
    return not waiter.is_alive()


# ---------------------------------------------------------------- threads

def thread_producer(q: queue.Queue, index: int, count: int, make: Callable[[], float],
                    spans: list, lengths: list, produced: list, patience: float) -> None:
    """Make ``count`` items and put each one; ``put`` waits while the queue is full."""
    for number in range(count):
        start = time.perf_counter()
        time.sleep(make())  # making the item
        item = (index, number)
        spans.append(Span(f"producer {index}", item, start, time.perf_counter()))
        q.put(item, timeout=patience)  # back-pressure: blocks while the basket is full
        produced.append(item)
        lengths.append((time.perf_counter(), q.qsize()))


def thread_consumer(q: queue.Queue, index: int, work: Callable[[], float], fail_on: Item | None,
                    spans: list, lengths: list, consumed: list, failed: list,
                    patience: float, careful: bool = True) -> None:
    """Take items until the STOP sentinel. ``careful``: an error is recorded, not raised, so
    ``task_done()`` is reached for every item and ``join()`` cannot hang."""
    while True:
        item = q.get(timeout=patience)  # raises queue.Empty if nothing comes for that long
        lengths.append((time.perf_counter(), q.qsize()))
        if item is STOP:
            q.task_done()
            return
        start = time.perf_counter()
        try:
            time.sleep(work())  # the work on the item (I/O-like)
            handle(item, fail_on)
            consumed.append(item)
        except Exception as error:
            if not careful:
                raise  # the article's way: the thread dies before task_done()
            failed.append((item, repr(error)))  # report it, and carry on
        finally:
            spans.append(Span(f"consumer {index}", item, start, time.perf_counter()))
        q.task_done()  # reached for every item, failed or not (when careful)


def run_threads(producers: int = 2, consumers: int = 2, items: int = 20, maxsize: int = 5, *,
                make_seconds: float = 0.0, work_seconds: float = 0.0, seed: int | None = None,
                fail_on: Item | None = None, careful: bool = True,
                timeout: float = 20.0) -> PipelineResult:
    """Run the pipeline on threads around a ``queue.Queue(maxsize)`` (0 = unbounded).

    Shutdown: join the producers, wait for ``join_queue`` (every item ``task_done``), then put
    one STOP per consumer and join them. The work has ``timeout`` seconds in all, the shutdown
    ``SHUTDOWN_GRACE`` more, so a broken pipeline still returns (with ``stopped`` False if a
    thread is stuck).
    """
    _check_pipeline(producers, consumers, items, maxsize, make_seconds, work_seconds, seed,
                    fail_on, timeout)
    q: queue.Queue = queue.Queue(maxsize)
    spans: list[Span] = []
    lengths: list[tuple[float, int]] = []
    produced: list[Item] = []
    consumed: list[Item] = []
    failed: list[tuple[Item, str]] = []
    start = time.perf_counter()
    deadline = start + timeout

    def left() -> float:
        return max(0.0, deadline - time.perf_counter())

    lengths.append((start, 0))
    workers = [threading.Thread(
        target=thread_consumer, name=f"consumer {j}", daemon=True,
        args=(q, j, delays(work_seconds, seed, "consumer", j), fail_on, spans, lengths,
              consumed, failed, timeout, careful)) for j in range(consumers)]
    makers = [threading.Thread(
        target=thread_producer, name=f"producer {i}", daemon=True,
        args=(q, i, count, delays(make_seconds, seed, "producer", i), spans, lengths,
              produced, timeout)) for i, count in enumerate(split_items(items, producers))]
    for thread in workers + makers:
        thread.start()
    for thread in makers:
        thread.join(left())
    all_done = join_queue(q, left())
    deadline = max(deadline, time.perf_counter()) + SHUTDOWN_GRACE  # time to stop, even late
    for _ in workers:
        with contextlib.suppress(queue.Full):
            q.put(STOP, timeout=left())
    for thread in workers:
        thread.join(left())
    elapsed = time.perf_counter() - start
    stopped = not any(thread.is_alive() for thread in workers + makers)
    return PipelineResult(
        "threads", producers, consumers, maxsize, tuple(produced), tuple(consumed),
        tuple(failed), tuple(sorted(spans, key=lambda s: s.start)),
        tuple(sorted(lengths)), start, elapsed, stopped, all_done)


# ---------------------------------------------------------------- processes

def process_producer(q: Any, results: Any, index: int, count: int, make_seconds: float,
                     seed: int | None, patience: float) -> None:
    """Process target: make ``count`` items, put each one, report ``("made", ...)`` records
    and a final ``("bye", ...)`` on ``results`` (a child process cannot append to our lists)."""
    make = delays(make_seconds, seed, "producer", index)
    for number in range(count):
        start = time.perf_counter()
        time.sleep(make())
        item = (index, number)
        made = time.perf_counter()
        q.put(item, timeout=patience)
        results.put(("made", index, item, start, made, time.perf_counter()))
    results.put(("bye", f"producer {index}"))


def process_consumer(q: Any, results: Any, index: int, work_seconds: float, seed: int | None,
                     fail_on: Item | None, patience: float) -> None:
    """Process target: take items until STOP, report each one (``"got"``, with an error text or
    ``None``), call ``task_done()`` for everything taken, say ``"bye"`` at the end."""
    work = delays(work_seconds, seed, "consumer", index)
    while True:
        item = q.get(timeout=patience)
        got = time.perf_counter()
        if item is STOP:
            q.task_done()
            break
        error = None
        try:
            time.sleep(work())
            handle(item, fail_on)
        except Exception as exc:
            error = repr(exc)
        finally:
            q.task_done()
        results.put(("got", index, item, got, time.perf_counter(), error))
    results.put(("bye", f"consumer {index}"))


def _drain(results: Any, records: list, byes: set, waiting: set, group: list,
           left: Callable[[], float]) -> None:
    """Read records until every worker in ``waiting`` said bye, time ran out, or all died."""
    while not waiting <= byes and left() > 0:
        try:
            record = results.get(timeout=min(0.1, left()))
        except queue.Empty:
            if not any(process.is_alive() for process in group):
                return
            continue
        records.append(record)
        if record[0] == "bye":
            byes.add(record[1])


def run_processes(producers: int = 2, consumers: int = 2, items: int = 20, maxsize: int = 5, *,
                  make_seconds: float = 0.0, work_seconds: float = 0.0, seed: int | None = None,
                  fail_on: Item | None = None, timeout: float = 30.0,
                  context: BaseContext | None = None) -> PipelineResult:
    """Run the pipeline on processes around a multiprocessing ``JoinableQueue(maxsize)``.

    Workers report on a second queue; the parent reads it *before* joining them (a process
    that has put data on a queue does not exit until that data is taken). ``context``
    defaults to :func:`helpers.machine.mp_context`.
    """
    _check_pipeline(producers, consumers, items, maxsize, make_seconds, work_seconds, seed,
                    fail_on, timeout)
    if context is None:
        context = mp_context()
    if not isinstance(context, BaseContext):
        raise TypeError(f"context must be a multiprocessing context, got {type(context).__name__}")
    q = context.JoinableQueue(maxsize)
    results = context.Queue()
    start = time.perf_counter()
    deadline = start + timeout

    def left() -> float:
        return max(0.0, deadline - time.perf_counter())

    workers = [context.Process(target=process_consumer, name=f"consumer {j}", daemon=True,
                               args=(q, results, j, work_seconds, seed, fail_on, timeout))
               for j in range(consumers)]
    makers = [context.Process(target=process_producer, name=f"producer {i}", daemon=True,
                              args=(q, results, i, count, make_seconds, seed, timeout))
              for i, count in enumerate(split_items(items, producers))]
    for process in workers + makers:
        process.start()
    records: list = []
    byes: set = set()
    _drain(results, records, byes, {f"producer {i}" for i in range(producers)}, makers, left)
    for process in makers:
        process.join(left())
    all_done = join_queue(q, left())
    deadline = max(deadline, time.perf_counter()) + SHUTDOWN_GRACE  # time to stop, even late
    for _ in workers:
        with contextlib.suppress(queue.Full):
            q.put(STOP, timeout=left())
    _drain(results, records, byes, {f"consumer {j}" for j in range(consumers)}, workers, left)
    for process in workers:
        process.join(left())
    elapsed = time.perf_counter() - start
    stopped = not any(process.is_alive() for process in workers + makers)
    for process in workers + makers:  # only after a failure: do not leave processes behind
        if process.is_alive():
            process.terminate()
            process.join(5)
    for channel in (q, results):
        channel.cancel_join_thread()  # never block this process's exit on unread leftovers
        channel.close()
    return _process_result(records, producers, consumers, maxsize, start, elapsed, stopped,
                           all_done)


def _process_result(records: list, producers: int, consumers: int, maxsize: int, start: float,
                    elapsed: float, stopped: bool, all_done: bool) -> PipelineResult:
    produced, consumed, failed, spans, events = [], [], [], [], []
    for record in records:
        if record[0] == "made":
            _, index, item, begin, made, put = record
            produced.append(tuple(item))
            spans.append(Span(f"producer {index}", tuple(item), begin, made))
            events.append((put, 1))
        elif record[0] == "got":
            _, index, item, got, end, error = record
            spans.append(Span(f"consumer {index}", tuple(item), got, end))
            events.append((got, -1))
            if error is None:
                consumed.append(tuple(item))
            else:
                failed.append((tuple(item), error))
    # A multiprocessing queue's qsize() is approximate (and unimplemented on macOS): rebuild the
    # length from when each put returned and each get returned. Clamped at 0: a get can be
    # stamped a hair before the matching put.
    lengths, length = [(start, 0)], 0
    for moment, change in sorted(events):
        length = max(0, length + change)
        lengths.append((moment, length))
    return PipelineResult(
        "processes", producers, consumers, maxsize, tuple(produced), tuple(consumed),
        tuple(failed), tuple(sorted(spans, key=lambda s: s.start)), tuple(lengths), start,
        elapsed, stopped, all_done)


def put_big(q: Any, nbytes: int) -> None:
    """Process target for a pitfall: put ``nbytes`` bytes on ``q``, then return."""
    q.put(b"x" * _count("nbytes", nbytes, 0))


# ---------------------------------------------------------------- asyncio

async def async_producer(q: asyncio.Queue, index: int, count: int, make: Callable[[], float],
                         spans: list, lengths: list, produced: list) -> None:
    """Coroutine: make ``count`` items; ``await q.put`` waits while the queue is full."""
    for number in range(count):
        start = time.perf_counter()
        await asyncio.sleep(make())
        item = (index, number)
        spans.append(Span(f"producer {index}", item, start, time.perf_counter()))
        await q.put(item)
        produced.append(item)
        lengths.append((time.perf_counter(), q.qsize()))


async def async_consumer(q: asyncio.Queue, index: int, work: Callable[[], float],
                         fail_on: Item | None, spans: list, lengths: list, consumed: list,
                         failed: list) -> None:
    """Coroutine: take items until STOP; record errors; ``task_done()`` for every item."""
    while True:
        item = await q.get()
        lengths.append((time.perf_counter(), q.qsize()))
        if item is STOP:
            q.task_done()
            return
        start = time.perf_counter()
        try:
            await asyncio.sleep(work())
            handle(item, fail_on)
            consumed.append(item)
        except Exception as error:
            failed.append((item, repr(error)))
        finally:
            q.task_done()
            spans.append(Span(f"consumer {index}", item, start, time.perf_counter()))


async def run_async(producers: int = 2, consumers: int = 2, items: int = 20, maxsize: int = 5, *,
                    make_seconds: float = 0.0, work_seconds: float = 0.0,
                    seed: int | None = None, fail_on: Item | None = None,
                    timeout: float = 20.0) -> PipelineResult:
    """Run the pipeline on asyncio tasks around an ``asyncio.Queue(maxsize)``, in one thread.

    ``await`` it (top-level ``await`` in Jupyter, ``asyncio.run`` in a script). Everything runs
    inside ``asyncio.timeout``; a TaskGroup cancels every task if anything goes wrong.
    """
    _check_pipeline(producers, consumers, items, maxsize, make_seconds, work_seconds, seed,
                    fail_on, timeout)
    q: asyncio.Queue = asyncio.Queue(maxsize)
    spans: list[Span] = []
    lengths: list[tuple[float, int]] = []
    produced: list[Item] = []
    consumed: list[Item] = []
    failed: list[tuple[Item, str]] = []
    start = time.perf_counter()
    lengths.append((start, 0))
    stopped = all_done = False
    try:
        async with asyncio.timeout(timeout), asyncio.TaskGroup() as group:
            for j in range(consumers):
                group.create_task(async_consumer(
                    q, j, delays(work_seconds, seed, "consumer", j), fail_on, spans, lengths,
                    consumed, failed), name=f"consumer {j}")
            makers = [group.create_task(async_producer(
                q, i, count, delays(make_seconds, seed, "producer", i), spans, lengths,
                produced), name=f"producer {i}")
                for i, count in enumerate(split_items(items, producers))]
            await asyncio.gather(*makers)
            await q.join()  # every item task_done
            all_done = True
            for _ in range(consumers):
                await q.put(STOP)
        stopped = True
    except TimeoutError:
        pass  # the TaskGroup has cancelled every task: nothing keeps running
    elapsed = time.perf_counter() - start
    return PipelineResult(
        "asyncio", producers, consumers, maxsize, tuple(produced), tuple(consumed),
        tuple(failed), tuple(sorted(spans, key=lambda s: s.start)), tuple(sorted(lengths)),
        start, elapsed, stopped, all_done)


# ---------------------------------------------------------------- models and pictures

def ideal_throughput(consumers: int, work_seconds: float, producers: int = 1,
                     make_seconds: float = 0.0) -> float:
    """Best items per second: the slower stage wins. Each of ``consumers`` handles
    ``1 / work_seconds`` items a second, each producer ``1 / make_seconds`` (no limit at 0).

    >>> ideal_throughput(4, 0.02)
    200.0
    >>> ideal_throughput(4, 0.02, producers=1, make_seconds=0.01)
    100.0
    """
    _count("consumers", consumers, 1)
    _count("producers", producers, 1)
    work = _seconds("work_seconds", work_seconds, positive=True)
    make = _seconds("make_seconds", make_seconds)
    supply = math.inf if make == 0 else producers / make
    return min(consumers / work, supply)


def plot_pipeline(result: PipelineResult, title: str) -> Axes:
    """Producers' and consumers' timeline above the queue length, on one time axis.

    Gaps in a producer's lane are waits for room in the queue; gaps in a consumer's lane are
    waits for an item. Returns the timeline's Axes.
    """
    if not isinstance(result, PipelineResult):
        raise TypeError(f"expected a PipelineResult, got {type(result).__name__}")
    if not result.spans:
        raise ValueError("the run recorded no spans: nothing was produced")
    import matplotlib.pyplot as plt

    from helpers import plots

    lanes = len({span.worker for span in result.spans})
    _, (top, bottom) = plt.subplots(
        2, 1, sharex=True, figsize=(8, 2.4 + 0.35 * lanes), layout="constrained",
        height_ratios=[max(1.0, 0.4 * lanes), 1.4])
    plots.timeline(result.spans, ax=top, origin=result.start, title=title, label=lambda _: "")
    # Label only the bars wide enough to read: "producer.number" of the item.
    lanes_of = list(dict.fromkeys(s.worker for s in sorted(result.spans, key=lambda s: s.start)))
    wide = 0.035 * (max(s.end for s in result.spans) - result.start)
    for span in result.spans:
        if span.duration >= wide:
            top.text(span.start - result.start + span.duration / 2, lanes_of.index(span.worker),
                     f"{span.task[0]}.{span.task[1]}", ha="center", va="center", fontsize=7,
                     color="white", clip_on=True)
    times = [moment - result.start for moment, _ in result.lengths]
    bottom.step(times, [n for _, n in result.lengths], where="post", color=plots.OKABE_ITO[2],
                label="items in the queue")
    if result.maxsize:
        bottom.axhline(result.maxsize, color=plots.OKABE_ITO[5], linestyle=":",
                       label=f"maxsize = {result.maxsize}")
    bottom.set(xlabel="time since start (s)", ylabel="queue length (items)")
    bottom.set_ylim(bottom=0, top=max(result.maxsize, result.max_length, 1) + 1)
    bottom.legend(loc="upper right", fontsize=7)
    top.set_xlabel("")
    return top


# ---------------------------------------------------------------- exercise checkers

def _put_while_someone_takes(q: queue.Queue, item: Any, threads: list[threading.Thread],
                             timeout: float) -> bool:
    """Put ``item``; give up (False) after ``timeout`` or as soon as no thread is left."""
    waited = 0.0
    while waited < timeout and any(thread.is_alive() for thread in threads):
        try:
            q.put(item, timeout=0.05)
            return True
        except queue.Full:
            waited += 0.05
    try:
        q.put_nowait(item)
        return True
    except queue.Full:
        return False


def check_consumer(consumer: Callable[[queue.Queue, list], None], *, items: int = 30,
                   consumers: int = 3, timeout: float = 2.0) -> bool:
    """Exercise 1: run ``consumer(q, eaten)`` on threads; every item must land in ``eaten``
    exactly once, every thread must stop at its STOP, and ``task_done()`` must be called for
    every ``get()`` (so ``q.join()`` returns)."""
    if not callable(consumer):
        raise TypeError("pass your function itself: check_consumer(my_consumer)")
    q: queue.Queue = queue.Queue(maxsize=5)
    eaten: list = []
    crashed: list[str] = []

    def guarded() -> None:
        try:
            consumer(q, eaten)
        except queue.Empty:
            crashed.append("a consumer gave up waiting (queue.Empty)")
        except Exception as error:  # the learner's code: report, do not crash the cell
            crashed.append(f"a consumer raised {error!r}")

    threads = [threading.Thread(target=guarded, daemon=True) for _ in range(consumers)]
    for thread in threads:
        thread.start()
    sent = [(0, number) for number in range(items)]
    problems: list[str] = []
    for position, item in enumerate(sent + [STOP] * consumers):
        if not _put_while_someone_takes(q, item, threads, timeout):
            alive = sum(thread.is_alive() for thread in threads)
            problems.append(f"the queue stayed full after {position} puts: {alive} consumer "
                            "thread(s) still running, none taking items. Loop over q.get().")
            break
    for thread in threads:
        thread.join(timeout)
    problems += crashed
    still = sum(thread.is_alive() for thread in threads)
    if still:
        problems.append(f"{still} consumer thread(s) did not stop: return when you get STOP "
                        "(each consumer gets one)")
    counts = Counter(eaten)
    lost = [item for item in sent if counts[item] == 0]
    twice = sorted(item for item, n in counts.items() if n > 1)
    if lost:
        problems.append(f"{len(lost)} of {items} items never reached `eaten` (e.g. {lost[0]})")
    if twice:
        problems.append(f"{len(twice)} items were eaten more than once (e.g. {twice[0]})")
    if STOP in counts:
        problems.append("STOP ended up in `eaten`: test `item is STOP` before appending")
    if not still and not lost and not join_queue(q, 0.2):
        problems.append(f"q.join() would hang: {q.unfinished_tasks} item(s) taken without "
                        "task_done() (call it for every get(), the STOP too)")
    return feedback(problems, f"{consumers} consumers ate all {items} items exactly once, "
                               "stopped, and marked every item done")


def check_throughput_prediction(predict: Callable[[int, float, int, float], float]) -> bool:
    """Exercise 2: does ``predict(consumers, work_seconds, producers, make_seconds)`` give the
    best throughput (items per second) of a pipeline?"""
    if not callable(predict):
        raise TypeError("pass your function itself: check_throughput_prediction(my_predict)")
    cases = [(1, 0.02, 1, 0.001), (4, 0.02, 1, 0.001), (8, 0.02, 1, 0.01), (2, 0.1, 3, 0.05),
             (16, 0.05, 2, 0.02), (3, 0.01, 1, 0.5)]
    problems, answers = [], []
    for consumers, work, producers, make in cases:
        expected = ideal_throughput(consumers, work, producers, make)
        try:
            got = predict(consumers, work, producers, make)
        except Exception as error:  # the learner's code: report, do not crash the cell
            problems.append(f"predict({consumers}, {work}, {producers}, {make}) raised {error!r}")
            continue
        answers.append(got)
        if (not isinstance(got, (int, float)) or isinstance(got, bool)
                or not math.isclose(got, expected, rel_tol=1e-9)):
            problems.append(
                f"{consumers} consumers × {work} s, {producers} producer(s) × {make} s: "
                f"expected {expected:g} items/s, got {got!r}. Hint: compute each stage's rate; "
                "the slower one sets the pace.")
    if answers and all(answer is None for answer in answers):
        print("Not yet: your function returns None. Replace the `...` with your code.")
        return False
    return feedback(problems, "your prediction is the slower stage's rate in every case")


def exactly_once(produced: Sequence[Item], consumed: Sequence[Item]) -> bool:
    """True when ``consumed`` holds each produced item exactly once, and nothing else.

    >>> exactly_once([(0, 0), (0, 1)], [(0, 1), (0, 0)])
    True
    >>> exactly_once([(0, 0), (0, 1)], [(0, 1), (0, 1)])
    False
    """
    if not all(isinstance(x, Sequence) for x in (produced, consumed)):
        raise TypeError("produced and consumed must be sequences of items")
    counted = Counter(produced)
    return all(n == 1 for n in counted.values()) and Counter(consumed) == counted
