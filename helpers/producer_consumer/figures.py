"""Notebook 05's figure: a pipeline's timeline above its queue length, on one time axis.

Kept apart from :mod:`helpers.producer_consumer.workers`, so no child process imports matplotlib.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from helpers import plots
from helpers.producer_consumer.experiment import PipelineLog


def plot_pipeline(log: PipelineLog, title: str) -> Axes:
    """Draw who worked when (gaps in a producer's lane: waits for room; in a consumer's lane:
    waits for an item) above the queue length. Returns the timeline's Axes."""
    if not isinstance(log, PipelineLog):
        raise TypeError(f"expected a PipelineLog, got {type(log).__name__}")
    if not log.spans:
        raise ValueError("the run recorded no spans: nothing was produced")
    lanes = len({span.worker for span in log.spans})
    _, (top, bottom) = plt.subplots(
        2, 1, sharex=True, figsize=(8, 2.4 + 0.35 * lanes), layout="constrained",
        height_ratios=[max(1.0, 0.4 * lanes), 1.4])
    plots.timeline(log.spans, ax=top, origin=log.start, title=title, label=_label(log))
    times = [moment - log.start for moment, _ in log.lengths]
    bottom.step(times, [n for _, n in log.lengths], where="post", color=plots.MEASURED,
                label="items in the queue")
    if log.maxsize:
        bottom.axhline(log.maxsize, color=plots.LIMIT, linestyle=":",
                       label=f"maxsize = {log.maxsize}")
    bottom.set(xlabel="time since start (s)", ylabel="queue length (items)")
    bottom.set_ylim(bottom=0, top=max(log.maxsize, log.max_length, 1) + 1)
    bottom.legend(loc="upper right", fontsize=7)
    top.set_xlabel("")
    return top


def _label(log: PipelineLog) -> Callable[[Hashable], str]:
    """Label a bar "producer.number" only where it is wide enough to read."""
    wide = 0.035 * (max(span.end for span in log.spans) - log.start)
    narrowest: dict[Hashable, float] = {}  # an item has a bar in a producer's and a consumer's lane
    for span in log.spans:
        narrowest[span.task] = min(narrowest.get(span.task, span.duration), span.duration)
    return lambda task: f"{task[0]}.{task[1]}" if narrowest.get(task, 0.0) >= wide else ""
