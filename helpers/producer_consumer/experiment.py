"""The record of a producer–consumer run (notebook 05), how items are split, ``join`` with a
timeout, and the best throughput a pipeline can reach.

The pipelines themselves (threads, asyncio, the orchestration of processes) are written in the
notebook's cells; what a child process imports (the process targets, the STOP sentinel, the
delays, the work) is in :mod:`helpers.producer_consumer.workers` and the figure in
:mod:`helpers.producer_consumer.figures`. An *item* is ``(producer, number)``: unique, so
"consumed exactly once" is a count.

>>> log = PipelineLog("threads", maxsize=2)
>>> log.made(0, (0, 0), 0.0, 0.1); log.handled(1, (0, 0), 0.1, 0.2)
>>> log.finish(stopped=True, all_done=True).missing, log.consumed
([], [(0, 0)])
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from helpers.producer_consumer.workers import Item
from helpers.tracing import Span
from helpers.validate import number, whole_number


@dataclass
class PipelineLog:
    """Everything one pipeline run did: one record, filled in by its workers as they go.

    ``spans`` holds the producers' *make* spans and the consumers' *work* spans (lanes
    ``"producer i"`` / ``"consumer j"``); ``lengths`` holds ``(time, queue length)`` samples.
    Appending to a list is atomic, so threads record into one log without a lock.
    """

    kind: str
    maxsize: int
    start: float = field(default_factory=time.perf_counter)
    produced: list[Item] = field(default_factory=list)
    consumed: list[Item] = field(default_factory=list)
    failed: list[tuple[Item, str]] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    lengths: list[tuple[float, int]] = field(default_factory=list)
    elapsed: float = 0.0
    stopped: bool = False
    all_done: bool = False

    def __post_init__(self) -> None:
        self.lengths.append((self.start, 0))

    def made(self, producer: int, item: Item, begin: float, end: float) -> None:
        """A producer made ``item`` between ``begin`` and ``end`` (``perf_counter`` s)."""
        self.produced.append(tuple(item))
        self.spans.append(Span(f"producer {producer}", tuple(item), begin, end))

    def handled(self, consumer: int, item: Item, begin: float, end: float,
                error: str | None = None) -> None:
        """A consumer handled ``item``; ``error`` is the text of what it raised, if it did."""
        item = tuple(item)
        if error is None:
            self.consumed.append(item)
        else:
            self.failed.append((item, error))
        self.spans.append(Span(f"consumer {consumer}", item, begin, end))

    def queue_length(self, moment: float, length: int) -> None:
        """A sample of the queue's length (``qsize()``) at ``moment``."""
        self.lengths.append((moment, length))

    def add_reports(self, reports: Iterable[tuple]) -> None:
        """Record what process workers reported (see :mod:`helpers.producer_consumer.workers`).

        A multiprocessing queue's ``qsize()`` is approximate (and missing on macOS), so the
        length is rebuilt from when each put and each get returned, clamped at 0 (a get can
        be stamped a hair before its put).
        """
        changes = []
        for report in reports:
            if report[0] == "made":
                _, producer, item, begin, end, put = report
                self.made(producer, item, begin, end)
                changes.append((put, 1))
            else:
                _, consumer, item, got, end, error = report
                self.handled(consumer, item, got, end, error)
                changes.append((got, -1))
        length = 0
        for moment, change in sorted(changes):
            length = max(0, length + change)
            self.queue_length(moment, length)

    def finish(self, *, stopped: bool, all_done: bool) -> PipelineLog:
        """Close the record: the wall time, whether every worker stopped and every item was
        marked done. Returns the log, so a run can end with ``return log.finish(...)``."""
        self.elapsed = time.perf_counter() - self.start
        self.stopped, self.all_done = stopped, all_done
        self.spans.sort(key=lambda span: span.start)
        self.lengths.sort()
        return self

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
        """Every item produced came out exactly once (consumed or reported), nothing else."""
        return self.accounted == Counter(self.produced) and not self.duplicates

    @property
    def throughput(self) -> float:
        """Items out per second of wall time."""
        return sum(self.accounted.values()) / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def max_length(self) -> int:
        return max(n for _, n in self.lengths)

    @property
    def mean_length(self) -> float:
        """The queue's length averaged over time (each sample holds until the next)."""
        times = [moment for moment, _ in self.lengths]
        spans = [later - earlier for earlier, later in itertools.pairwise(times)]
        total = sum(spans)
        if total <= 0:
            return 0.0
        return sum(n * span for (_, n), span in zip(self.lengths, spans, strict=False)) / total

    def summary(self) -> str:
        """One line: counts, whether every item came out once, time."""
        return (f"{self.kind}: {len(self.produced)} produced, {len(self.consumed)} consumed, "
                f"{len(self.failed)} failed, missing {len(self.missing)}, "
                f"duplicated {len(self.duplicates)}, stopped: {self.stopped}, "
                f"queue at most {self.max_length}, {self.elapsed:.3f} s")


def split_items(items: int, producers: int) -> list[int]:
    """How many items each producer makes: as even as possible, the first ones one more."""
    whole_number("items", items, minimum=0)
    whole_number("producers", producers, minimum=1)
    share, extra = divmod(items, producers)
    return [share + (index < extra) for index in range(producers)]


def join_queue(q: Any, timeout: float) -> bool:
    """``q.join()`` with a timeout: True when every item put was marked ``task_done()``.

    ``Queue.join()`` and ``JoinableQueue.join()`` have no timeout. For ``queue.Queue`` this
    waits on the condition ``join()`` itself uses (``all_tasks_done``); for a multiprocessing
    ``JoinableQueue`` it runs ``join()`` in a helper thread and waits for that thread.
    """
    timeout = number("timeout", timeout, minimum=0)
    if isinstance(q, queue.Queue):
        with q.all_tasks_done:
            return q.all_tasks_done.wait_for(lambda: q.unfinished_tasks == 0, timeout)
    if not callable(getattr(q, "join", None)) or not callable(getattr(q, "task_done", None)):
        raise TypeError(f"expected a queue with task_done() and join(), got {type(q).__name__}")
    waiter = threading.Thread(target=q.join, name="queue-join", daemon=True)
    waiter.start()
    waiter.join(timeout)
    return not waiter.is_alive()


def ideal_throughput(consumers: int, work_seconds: float, producers: int = 1,
                     make_seconds: float = 0.0) -> float:
    """Best items per second when every stage waits (overlaps): the slower stage wins.

    Each of ``consumers`` handles ``1 / work_seconds`` items a second, each producer
    ``1 / make_seconds``; a stage that takes no time sets no limit.
    """
    whole_number("consumers", consumers, minimum=1)
    whole_number("producers", producers, minimum=1)
    work = number("work_seconds", work_seconds, minimum=0)
    make = number("make_seconds", make_seconds, minimum=0)
    rates = [n / seconds for n, seconds in ((consumers, work), (producers, make)) if seconds > 0]
    return min(rates, default=float("inf"))
