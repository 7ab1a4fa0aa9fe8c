"""Notebook 03's figure: when each task ran in a worker and when its result reached the caller."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from helpers.plots import MEASURED, MODEL, WORSE
from helpers.pools.experiment import Arrival


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
