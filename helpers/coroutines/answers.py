"""Notebook 12's exercises: the mix of latencies to predict and its first-come-first-served
model, the trial of a coroutine that must not block the loop, and the tool for each situation.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from helpers.coroutines.experiment import heartbeat, longest
from helpers.tracing import Recorder
from helpers.validate import number, whole_number

# ---- exercise 1: predict a mix of latencies under a bound ----

#: Four quick requests queued first, one slow one last, at most two in flight.
MIX_LATENCIES = (0.1, 0.1, 0.1, 0.1, 0.6)
MIX_LIMIT = 2


def fifo_makespan(latencies: Sequence[float], limit: int) -> float:
    """Wall time of waits that take a free slot in queue order (as ``asyncio.Semaphore`` does).

    The reference answer of exercise 1: each wait starts when the earliest slot frees up.
    """
    limit = whole_number("limit", limit, minimum=1)
    slots = [0.0] * limit
    for latency in latencies:
        earliest = min(range(limit), key=slots.__getitem__)
        slots[earliest] += number("latency", latency, minimum=0)
    return max(slots)


# ---- exercise 2: repair a coroutine that blocks the loop ----

BLOCKING_CALL_SECONDS = 0.2
BLOCKING_CALLS = 5


Thumbnail = Callable[[int], Coroutine[Any, Any, int]]


def blocking_trial(thumbnail: Thumbnail) -> Callable[[], str | None]:
    """One trial for ``helpers.exercises.check_behaviour``: run five ``await thumbnail(i)``
    concurrently on a fresh loop, beside a heartbeat; say what went wrong, or None.

    Right means: results ``i * i`` in order, the five 0.2 s calls overlapped (under 3 × 0.2 s
    where one after another takes 5 × 0.2 s) and the loop kept ticking (no tick over 0.15 s).
    """
    if not callable(thumbnail):
        raise TypeError("pass your coroutine function itself, e.g. blocking_trial(thumbnail)")

    async def main() -> tuple[list[Any], float, float]:
        recorder = Recorder()
        beat = asyncio.create_task(heartbeat(recorder, 0.01))
        try:
            await asyncio.sleep(0.02)
            start = time.perf_counter()
            async with asyncio.timeout(5):
                results = await asyncio.gather(*(thumbnail(i) for i in range(BLOCKING_CALLS)))
            elapsed = time.perf_counter() - start
        finally:
            beat.cancel()
            await asyncio.gather(beat, return_exceptions=True)
        return list(results), elapsed, longest(recorder.spans)

    def trial() -> str | None:
        try:
            results, elapsed, tick = asyncio.run(main())
        except TimeoutError:
            return "five calls were still running after 5 s"
        if results != [i * i for i in range(BLOCKING_CALLS)]:
            return f"expected results {[i * i for i in range(BLOCKING_CALLS)]}, got {results}"
        if elapsed > 3 * BLOCKING_CALL_SECONDS:
            return (f"the five calls took {elapsed:.2f} s: they ran one after another "
                    "(move the blocking call off the loop's thread)")
        if tick > 0.15:
            return f"the loop froze for {tick * 1e3:.0f} ms: something still blocks it"
        return None

    return trial


# ---- exercise 3: choose the tool ----

CHOICES = {
    "5 000 HTTP requests to one API that allows 50 at a time": "asyncio + Semaphore",
    "10 calls of a blocking SDK, from inside a coroutine": "asyncio.to_thread",
    "500 calls of a blocking library, from inside a coroutine": "own ThreadPoolExecutor",
    "resize 8 large images (pure-Python CPU work), from inside a coroutine": "process pool",
}
WHY = {
    "5 000 HTTP requests to one API that allows 50 at a time":
        "waits on sockets: one thread holds thousands, the semaphore keeps the API's limit",
    "10 calls of a blocking SDK, from inside a coroutine":
        "a few blocking calls fit the loop's default pool of min(32, CPUs + 4) threads",
    "500 calls of a blocking library, from inside a coroutine":
        "to_thread would run them in rounds of min(32, CPUs + 4): size a pool to the waits",
    "resize 8 large images (pure-Python CPU work), from inside a coroutine":
        "CPU work holds the GIL: threads take turns, processes use the cores",
}
