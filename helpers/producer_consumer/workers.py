"""Process targets of notebook 05's pipeline: a child process must import them (under spawn and
forkserver it cannot load a function defined in a notebook). No matplotlib here.

A child cannot append to the parent's log, so each worker *reports* what it did on a second
queue; the parent records the reports with
:meth:`helpers.producer_consumer.experiment.PipelineLog.add_reports`. The STOP sentinel, the
delays and the work on an item are here too: the notebook's threads use the same ones.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from helpers import validate

Item = tuple[int, int]
#: What a consumer receives when it must stop: one per consumer. ``None`` survives pickling,
#: so ``item is STOP`` works across processes too.
STOP = None
#: Longest wait for a put or a get, in seconds: a broken pipeline raises instead of hanging.
PATIENCE = 30.0


def delays(seconds: float, seed: int | None, role: str, index: int) -> Callable[[], float]:
    """Each next delay: always ``seconds``, or with a ``seed`` random in ``[0, 2 × seconds]``
    (same mean), reproducibly per worker, so runs can be irregular and still repeatable."""
    seconds = float(validate.number("seconds", seconds, minimum=0))
    if seed is None:
        return lambda: seconds
    rng = random.Random(f"{seed}-{role}-{index}")
    return lambda: rng.uniform(0, 2 * seconds)


def handle(item: Item, fail_on: Item | None = None) -> Item:
    """The consumers' work on one item; raises ``ValueError`` for the item ``fail_on``."""
    if fail_on is not None and tuple(item) == tuple(fail_on):
        raise ValueError(f"cannot handle item {tuple(item)}")
    return item


def process_producer(q: Any, reports: Any, index: int, count: int, make_seconds: float,
                     seed: int | None) -> None:
    """Make ``count`` items and put each on ``q``; report ``("made", ...)`` for each."""
    make = delays(make_seconds, seed, "producer", index)
    for number in range(count):
        begin = time.perf_counter()
        time.sleep(make())  # making the item
        item, made = (index, number), time.perf_counter()
        q.put(item, timeout=PATIENCE)  # waits while the queue is full
        reports.put(("made", index, item, begin, made, time.perf_counter()))


def process_consumer(q: Any, reports: Any, index: int, work_seconds: float, seed: int | None,
                     fail_on: Item | None) -> None:
    """Take items until STOP; report each (with the error's text, or None); task_done each."""
    work = delays(work_seconds, seed, "consumer", index)
    while (item := q.get(timeout=PATIENCE)) is not STOP:
        got, error = time.perf_counter(), None
        try:
            time.sleep(work())  # the work on the item
            handle(item, fail_on)
        except Exception as exc:
            error = repr(exc)
        reports.put(("got", index, item, got, time.perf_counter(), error))
        q.task_done()
    q.task_done()  # the STOP too


def put_big(q: Any, nbytes: int) -> None:
    """Put ``nbytes`` bytes on ``q``, then return (a pitfall: join before reading)."""
    q.put(b"x" * nbytes)
