"""Reading notebook 03's measurements: when results arrived, and where a process pool pays.

The pools run in the notebook's cells; this module only turns what they recorded into a
figure or a number. It imports matplotlib, so no worker imports it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from helpers.plots import MEASURED, MODEL, WORSE
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


def arrival_figure(runs: Mapping[str, Sequence[Arrival]], title: str = "") -> Axes:
    """One panel per API: a bar while each task ran, a dot when its result reached the caller.

    Returns the last panel's Axes (the panels share the time axis).
    """
    if not runs:
        raise ValueError("runs must be a non-empty dict: api -> list of Arrival")
    tasks = max(len(r) for r in runs.values())
    fig, axes = plt.subplots(len(runs), 1, sharex=True, layout="constrained", squeeze=False,
                             figsize=(8, 0.5 + len(runs) * (0.3 + 0.18 * tasks)))
    for ax, (api, records) in zip(axes[:, 0], runs.items(), strict=True):
        for position, record in enumerate(records):
            ax.barh(record.task, record.end - record.start, left=record.start, height=0.6,
                    color=MEASURED, alpha=0.45)
            ax.plot([record.end, record.arrived], [record.task] * 2, ":", color=MODEL,
                    linewidth=1)
            ax.plot(record.arrived, record.task, "o", color=WORSE, markersize=5)
            ax.annotate(str(position + 1), (record.arrived, record.task), fontsize=7,
                        xytext=(4, -3), textcoords="offset points")
        ax.set_yticks(range(tasks))
        ax.invert_yaxis()
        ax.set_ylabel("task", fontsize=8)
        ax.set_title(api, fontsize=9, loc="left")
    axes[-1, 0].set_xlabel("time since the batch was submitted (s)   "
                           "bar: running in a worker · dot: result handed over (n-th)")
    fig.suptitle(title)
    return axes[-1, 0]
