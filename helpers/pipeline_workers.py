"""Process targets of notebook 05's pipeline: a child process must import them (under spawn and
forkserver it cannot load a function defined in a notebook). No matplotlib here.

A child cannot append to the parent's log, so each worker *reports* what it did on a second
queue; the parent records the reports with :meth:`helpers.pipeline.PipelineLog.add_reports`.
"""

from __future__ import annotations

import time
from typing import Any

from helpers.pipeline import STOP, Item, delays, handle

#: Longest wait for a put or a get, in seconds: a broken pipeline raises instead of hanging.
PATIENCE = 30.0


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
