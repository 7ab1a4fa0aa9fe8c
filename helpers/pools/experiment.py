"""Reading notebook 03's measurements: when results arrived, and where a process pool pays.

The pools run in the notebook's cells; this module only turns what they recorded into a
number (the figure is in ``figures``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import NamedTuple

from helpers.validate import number


class Arrival(NamedTuple):
    """A task's run in a worker and when its result reached the caller (s since submit)."""

    task: int
    start: float
    end: float
    arrived: float


def break_even(sizes: Sequence[float], ratios: Sequence[float]) -> float | None:
    """The task size where ``ratios`` (pool time / sequential time) first drops to 1.

    Interpolates on log scales between the two measured sizes around the crossing; ``None``
    when the pool never wins, and the first size when it always does.
    """
    if len(sizes) != len(ratios) or not sizes:
        raise ValueError("sizes and ratios must be non-empty and of the same length")
    for value in (*sizes, *ratios):
        number("every size and ratio", value, positive=True)
    if ratios[0] <= 1:
        return float(sizes[0])
    points = list(zip(sizes, ratios, strict=True))
    for (s0, r0), (s1, r1) in itertools.pairwise(points):
        if r1 <= 1 < r0:
            fraction = math.log(r0) / (math.log(r0) - math.log(r1))
            return float(math.exp(math.log(s0) + fraction * (math.log(s1) - math.log(s0))))
    return None
