"""Timing that can be trusted: a stopwatch, and repeat-then-take-the-median.

>>> with Timer() as t:
...     _ = sum(range(1000))
>>> t.elapsed > 0
True
>>> m = measure(lambda: sum(range(1000)), repeat=3)
>>> m.min <= m.median <= m.max
True
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class Timer:
    """Context manager that measures wall time with ``time.perf_counter``.

    ``elapsed`` is in seconds; it is ``None`` until the block has finished.

    >>> with Timer() as t:
    ...     time.sleep(0.01)
    >>> t.elapsed >= 0.01
    True
    """

    def __init__(self) -> None:
        self.start: float | None = None
        self.elapsed: float | None = None

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self.start is not None
        self.elapsed = time.perf_counter() - self.start


@dataclass(frozen=True)
class Measurement:
    """Wall times of repeated runs, in seconds, with the summary the course reports."""

    times: tuple[float, ...]
    result: Any = None

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def min(self) -> float:
        return min(self.times)

    @property
    def max(self) -> float:
        return max(self.times)

    @property
    def spread(self) -> float:
        """Relative spread, ``(max - min) / median``: 0.1 means runs differed by 10 %."""
        return (self.max - self.min) / self.median if self.median > 0 else 0.0

    def __str__(self) -> str:
        return (
            f"median {format_seconds(self.median)} "
            f"(min {format_seconds(self.min)}, max {format_seconds(self.max)}, "
            f"{len(self.times)} runs)"
        )


def measure(func: Callable[[], Any], *, repeat: int = 5, warmup: int = 1) -> Measurement:
    """Call ``func()`` ``warmup`` times untimed, then ``repeat`` times timed.

    Returns every time and the last result, so the caller can check the result before
    comparing speeds.

    >>> m = measure(lambda: 6 * 7, repeat=3, warmup=0)
    >>> (len(m.times), m.result)
    (3, 42)
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    for name, value, lowest in (("repeat", repeat, 1), ("warmup", warmup, 0)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if value < lowest:
            raise ValueError(f"{name} must be >= {lowest}, got {value}")
    for _ in range(warmup):
        func()
    times = []
    result = None
    for _ in range(repeat):
        with Timer() as timer:
            result = func()
        times.append(timer.elapsed)
    return Measurement(times=tuple(times), result=result)


def format_seconds(seconds: float) -> str:
    """Format a duration with a unit a reader takes in at a glance.

    >>> format_seconds(0.000_012_3), format_seconds(0.25), format_seconds(3.5)
    ('12.3 µs', '250 ms', '3.50 s')
    """
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
        raise TypeError(f"seconds must be a number, got {type(seconds).__name__}")
    if seconds < 0:
        raise ValueError(f"seconds must be >= 0, got {seconds}")
    # Compare the rounded figure, so that 0.9996 s reads "1.00 s", not "1e+03 ms".
    if float(f"{seconds * 1e6:.3g}") < 1000:
        return f"{seconds * 1e6:.3g} µs"
    if float(f"{seconds * 1e3:.3g}") < 1000:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.2f} s"
