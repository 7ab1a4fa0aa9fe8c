"""How many CPUs' worth of work this process can get now: k copies of one kernel against one.

The CPU *count* says how many workers to start; the *capacity* says how fast they can go. It
differs from the count on a shared machine (neighbours), under a container quota (enforced per
scheduler period, 100 ms by default) and on hosts that steal time from their guests. Nothing
here is told about them: k independent copies of one short serial kernel run at once, against
one copy alone, in alternating samples that each span ``seconds`` (at least two quota
periods), and the ratio of the work done is the capacity.

>>> cap = measure_capacity(1, seconds=0.2, rounds=1)
>>> 0.3 < cap.cpus < 1.7 and cap.k == 1 and len(cap.rounds) == 1
True
"""

from __future__ import annotations

import hashlib
import statistics
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from helpers import validate
from helpers.machine import effective_cpus, mp_context
from helpers.timing import Measurement, interleaved

KINDS = ("processes", "threads")
LEAD = 0.05  # seconds between dispatching a sample and its start: every copy starts together
_BUFFER = bytes(1 << 20)  # 1 MB: hashlib releases the GIL for data over 2 KB


def spin(start: float, stop: float) -> int:
    """Wait until ``start`` (``time.time()``), then count loop iterations until ``stop``."""
    time.sleep(max(0.0, start - time.time()))
    count = 0
    while time.time() < stop:
        for _ in range(1000):
            pass
        count += 1000
    return count


def hash_spin(start: float, stop: float) -> int:
    """Like :func:`spin`, with a kernel that releases the GIL: SHA-256 of 1 MB, repeatedly."""
    time.sleep(max(0.0, start - time.time()))
    count = 0
    while time.time() < stop:
        hashlib.sha256(_BUFFER).digest()
        count += 1
    return count


@dataclass(frozen=True)
class Capacity:
    """What :func:`measure_capacity` found: ``cpus`` is the median of the rounds' figures."""

    cpus: float
    rounds: tuple[float, ...]
    k: int
    kind: str
    seconds: float

    @property
    def spread(self) -> tuple[float, float]:
        """The lowest and highest round's figure."""
        return (min(self.rounds), max(self.rounds))

    def __str__(self) -> str:
        low, high = self.spread
        copies = "1 copy" if self.k == 1 else f"{self.k} copies"
        rounds = "1 round" if len(self.rounds) == 1 else f"{len(self.rounds)} rounds"
        return (f"{copies} at once did the work of {self.cpus:.2f} CPUs "
                f"({low:.2f}–{high:.2f} over {rounds})")


def repeat_until(work: Callable[[], Any], start: float, stop: float) -> tuple[int, float]:
    """Wait until ``start``, call ``work()`` until ``stop``: (calls, seconds to the last return).

    The copies' rate is calls / seconds: a call that ends after ``stop`` still counts in full.
    """
    time.sleep(max(0.0, start - time.time()))
    calls = 0
    while time.time() < stop:
        work()
        calls += 1
    return calls, max(time.time() - start, 1e-9)


class Sampler:
    """A pool of ``k`` workers kept open; each :meth:`sample` is one round's figure.

    Use it in a ``with`` block: leaving it terminates the pool (on Ctrl-C too).
    :func:`helpers.advise.advise` keeps one open to measure the capacity in its own rounds.
    With ``work`` (a picklable function of no arguments: one unit of some code), the copies run
    that code instead of the spin loop: k copies of it at once is the most this machine gives
    that code now, the limit a parallel version of it is read against. ``rates`` keeps every
    sample's (one copy, k copies) rates, in units of work per second.
    """

    def __init__(self, k: int, *, seconds: float = 0.25, kind: str = "processes",
                 work: Callable[[], Any] | None = None) -> None:
        self.k = validate.whole_number("k", k, minimum=1)
        self.seconds = validate.number("seconds", seconds, minimum=0.2)
        self.kind = validate.one_of("kind", kind, KINDS)
        if work is not None and not callable(work):
            raise TypeError(f"work must be a function of no arguments, got {work!r}")
        self.work = work
        self._kernel = spin if kind == "processes" else hash_spin
        self._pool = None
        self._turn = 0
        self.rates: list[tuple[float, float]] = []

    def __enter__(self) -> Sampler:
        if self.kind == "processes":
            self._pool = mp_context().Pool(self.k)
        else:
            self._pool = ThreadPoolExecutor(self.k, thread_name_prefix="capacity")
        try:
            self._run(self.k, 0.01)  # the workers are up before the first timed sample
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.kind == "processes":
            self._pool.terminate()
            self._pool.join()
        else:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, copies: int, seconds: float) -> float:
        """The rate of ``copies`` copies together, in one window of ``seconds``."""
        start = time.time() + LEAD
        stop = start + seconds
        timeout = LEAD + seconds + 30
        func, args = ((self._kernel, (start, stop)) if self.work is None
                      else (repeat_until, (self.work, start, stop)))
        if self.kind == "processes":
            pending = [self._pool.apply_async(func, args) for _ in range(copies)]
            done = [p.get(timeout=timeout) for p in pending]
        else:
            pending = [self._pool.submit(func, *args) for _ in range(copies)]
            done = [p.result(timeout=timeout) for p in pending]
        if self.work is None:  # loop iterations in the window
            return sum(done) / seconds
        return sum(calls / elapsed for calls, elapsed in done)

    def sample(self) -> float:
        """One round: one copy and k copies, in alternating order from round to round."""
        if self._pool is None:
            raise RuntimeError("use the Sampler in a with block")
        self._turn += 1
        order = (1, self.k) if self._turn % 2 else (self.k, 1)
        rate = {copies: self._run(copies, self.seconds) for copies in order}
        self.rates.append((rate[1], rate[self.k]))
        return rate[self.k] / rate[1] if rate[1] > 0 else float(self.k)


def alongside(sampler: Sampler, funcs: Mapping[str, Callable[[], Any]], *, repeat: int = 5,
              warmup: int = 1) -> tuple[dict[str, Measurement], tuple[float, ...]]:
    """Time ``funcs`` in interleaved rounds that each take one capacity sample too.

    The order rotates from round to round (:func:`helpers.timing.interleaved`), the sample
    included, so round ``r``'s speeds can be read against round ``r``'s capacity: both met the
    same machine. Each timed run should span several quota periods (0.3 s or more), as the
    sample does. Returns the runs and each round's capacity.

    >>> with Sampler(1, seconds=0.2) as sampler:
    ...     runs, cpus = alongside(sampler, {"nothing": lambda: 0}, repeat=2, warmup=0)
    >>> len(runs["nothing"].times) == len(cpus) == 2
    True
    """
    if not isinstance(sampler, Sampler):
        raise TypeError(f"sampler must be a Sampler, got {type(sampler).__name__}")
    samples: list[float] = []
    key = object()  # not a name any caller can pass
    for _ in range(validate.whole_number("warmup", warmup, minimum=0)):
        for func in funcs.values():
            func()
    runs = interleaved({**funcs, key: lambda: samples.append(sampler.sample())},
                       repeat=repeat, warmup=0, rotate=True)
    del runs[key]
    return runs, tuple(samples)


def measure_capacity(k: int | None = None, *, seconds: float = 0.25, rounds: int = 3,
                     kind: str = "processes") -> Capacity:
    """Measure how many CPUs' worth of work ``k`` copies of a serial kernel get at once, now.

    ``k`` defaults to the effective CPUs. ``kind="processes"`` runs a pure-Python spin loop in a
    pool of processes (any start method); ``kind="threads"`` runs SHA-256 over 1 MB buffers,
    which releases the GIL, on threads. Each of the ``rounds`` rounds runs one copy alone and
    ``k`` copies at once, for ``seconds`` each (at least 0.2 s: two periods of a 100 ms quota),
    and divides the work done; the figure is the median round.

    >>> cap = measure_capacity(2, seconds=0.2, rounds=1, kind="threads")
    >>> str(cap).startswith("2 copies at once did the work of")
    True
    """
    k = effective_cpus() if k is None else validate.whole_number("k", k, minimum=1)
    rounds = validate.whole_number("rounds", rounds, minimum=1)
    with Sampler(k, seconds=seconds, kind=kind) as sampler:
        figures = tuple(sampler.sample() for _ in range(rounds))
    return Capacity(cpus=statistics.median(figures), rounds=figures, k=k, kind=kind,
                    seconds=float(seconds))


def interleaved_with_capacity(funcs: Mapping[str, Callable[[], Any]], k: int, *,
                              repeat: int = 3, warmup: int = 1, seconds: float = 0.25,
                              kind: str = "processes") -> tuple[dict[str, Measurement], Capacity]:
    """Time ``funcs`` in interleaved rounds, with one capacity sample of ``k`` copies per round.

    :func:`alongside` on a :class:`Sampler` of its own, summed up as a :class:`Capacity`. A
    speedup read against a capacity measured minutes apart measures the neighbours: here both
    come from the same rounds. Give each function at least ``seconds`` of work too: a quota is
    enforced per 100 ms period, and a shorter run can burst through it.

    >>> runs, cap = interleaved_with_capacity({"sum": lambda: sum(range(10**5))}, 1,
    ...                                       repeat=1, seconds=0.2)
    >>> list(runs), cap.k, len(cap.rounds)
    (['sum'], 1, 1)
    """
    k = validate.whole_number("k", k, minimum=1)
    if not isinstance(funcs, Mapping) or not funcs:  # checked before any worker starts
        raise TypeError("funcs must be a non-empty dict of name -> function of no arguments")
    with Sampler(k, seconds=seconds, kind=kind) as sampler:
        runs, figures = alongside(sampler, funcs, repeat=repeat, warmup=warmup)
    return runs, Capacity(cpus=statistics.median(figures), rounds=figures, k=k, kind=kind,
                          seconds=float(seconds))
