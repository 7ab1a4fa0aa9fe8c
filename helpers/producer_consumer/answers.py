"""Notebook 05's exercises: the cases and reference answers; the checking itself is
:mod:`helpers.exercises` (``check_behaviour``, ``choose_labels``, ``check_prediction``).
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable

from helpers.producer_consumer.experiment import join_queue
from helpers.producer_consumer.workers import STOP, Item
from helpers.validate import function

#: Exercise 1: items whose number is one of these make :func:`risky_work` raise.
BAD_NUMBERS = frozenset({3, 10, 17, 24})


def risky_work(item: Item) -> Item:
    """The work on one item: up to 1 ms of waiting (so threads interleave), and a
    ``ValueError`` for the items numbered in :data:`BAD_NUMBERS`."""
    time.sleep(random.uniform(0, 0.001))
    if item[1] in BAD_NUMBERS:
        raise ValueError(f"cannot handle item {item}")
    return item


def consumer_trial(consumer: Callable[[queue.Queue, list, list], None], *, items: int = 30,
                   consumers: int = 3) -> Callable[[], str | None]:
    """One trial for ``check_behaviour``: ``consumers`` threads run ``consumer(q, done,
    failed)`` against ``items`` items, then one STOP each. Every item must end in ``done`` or
    (the bad ones) in ``failed`` exactly once, every thread must stop, and every ``get`` must
    be answered by ``task_done()``."""
    function("consumer", consumer)

    def trial() -> str | None:
        q: queue.Queue = queue.Queue(maxsize=5)
        done: list = []
        failed: list = []
        died: list[str] = []

        def guarded() -> None:
            try:
                consumer(q, done, failed)
            except Exception as error:  # the learner's code: report, never crash the cell
                died.append(f"{type(error).__name__}: {error}")

        threads = [threading.Thread(target=guarded, daemon=True) for _ in range(consumers)]
        for thread in threads:
            thread.start()
        sent = [(0, number) for number in range(items)]
        for position, item in enumerate(sent):
            try:
                q.put(item, timeout=0.5)
            except queue.Full:
                why = f"every consumer died ({died[0]})" if died else "no consumer takes items"
                return f"the queue stayed full after {position} items: {why}"
        if not join_queue(q, 1.0):
            return (f"q.join() would hang: {q.unfinished_tasks} item(s) were taken without "
                    f"task_done(){f' (a consumer died: {died[0]})' if died else ''}")
        for _ in threads:
            q.put(STOP, timeout=0.5)
        for thread in threads:
            thread.join(timeout=1.0)
        if died:
            return f"a consumer died: {died[0]}"
        if any(thread.is_alive() for thread in threads):
            return "a consumer did not stop at its STOP"
        if not join_queue(q, 0.1):
            return "the STOP was taken without task_done(): q.join() would hang"
        want = Counter(item for item in sent if item[1] not in BAD_NUMBERS)
        if Counter(map(tuple, done)) != want:
            lost = sorted(set(want) - set(map(tuple, done)))
            return f"`done` is wrong: missing {lost[:3]}, {len(done)} entries for {len(want)}"
        bad = sorted(item for item in sent if item[1] in BAD_NUMBERS)
        if sorted(map(tuple, failed)) != bad:
            return f"`failed` should hold the items that raised, {bad}, got {sorted(failed)}"
        return None

    return trial


#: Exercise 3: which queue fits each scenario (on a build with the GIL), and why.
QUEUE_CHOICES = {
    "a pure-Python simulation for each of 10 000 parameter sets, on 4 cores":
        "multiprocessing.JoinableQueue",
    "one thread reads lines from a socket; two threads write them with a blocking DB driver":
        "queue.Queue",
    "5 000 downloads with httpx.AsyncClient, fed to a parser coroutine": "asyncio.Queue",
    "a GUI thread hands slow file uploads (requests.post) to a worker thread": "queue.Queue",
    "parse big text files into numbers in pure Python, on 4 cores":
        "multiprocessing.JoinableQueue",
}
QUEUE_WHY = {
    "a pure-Python simulation for each of 10 000 parameter sets, on 4 cores":
        "CPU work in Python: threads take turns on one GIL, processes use every core",
    "one thread reads lines from a socket; two threads write them with a blocking DB driver":
        "blocking calls in threads: a thread-safe queue.Queue, nothing to pickle",
    "5 000 downloads with httpx.AsyncClient, fed to a parser coroutine":
        "coroutines on one event loop await an asyncio.Queue; queue.Queue.get() blocks the loop",
    "a GUI thread hands slow file uploads (requests.post) to a worker thread":
        "a blocking library in a thread: queue.Queue (an upload is a wait, not CPU work)",
    "parse big text files into numbers in pure Python, on 4 cores":
        "pure-Python CPU work: with the GIL only processes run it on several cores",
}
