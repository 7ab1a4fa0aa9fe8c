"""Notebook 12's two figures: results as the caller receives them, and requests in flight.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from helpers.tracing import Span
>>> ax = plot_concurrency([Span("a", 1, 0, 1), Span("b", 2, 0.5, 2)], limit=2)
>>> ax.get_ylabel()
'requests in flight'
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from helpers import plots
from helpers.tracing import Span, concurrency_over_time
from helpers.validate import seconds, whole_number


def timeline_with_results(
    spans: Sequence[Span], received: Sequence[float], *, ax: Axes | None = None,
    title: str = "", origin: float | None = None,
) -> Axes:
    """A :func:`helpers.plots.timeline` with one more row: when the caller got each result."""
    spans = list(spans)
    received = [seconds("received time", t) for t in received]
    if not received:
        raise ValueError("received must hold at least one time")
    origin = min(s.start for s in spans) if (origin is None and spans) else (origin or 0.0)
    ax = plots.timeline(spans, ax=ax, title=title, origin=origin,
                        label=lambda task: "" if task == "tick" else str(task))
    labels = [label.get_text() for label in ax.get_yticklabels()]
    lane = len(labels)
    ax.scatter([t - origin for t in received], [lane] * len(received), marker="D", s=30,
               color=plots.LIMIT, zorder=3)
    ax.set_yticks(range(lane + 1), [*labels, "results received"])
    ax.set_ylim(lane + 0.6, -0.6)
    return ax


def plot_concurrency(spans: Sequence[Span], limit: int | None = None, *,
                     ax: Axes | None = None, title: str = "") -> Axes:
    """Draw how many spans run over time, with the ``limit`` they should never pass."""
    times, counts = concurrency_over_time(spans)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3), layout="constrained")
    ax.step(times - times[0], counts, where="post", color=plots.MEASURED,
            label="in flight (measured)")
    if limit is not None:
        ax.axhline(whole_number("limit", limit, minimum=1), linestyle="--", color=plots.LIMIT,
                   label=f"limit = {limit}")
    ax.set(xlabel="time since the first request (s)", ylabel="requests in flight",
           title=title)
    top = max(int(counts.max()), limit or 0)
    ax.set_ylim(0, top * 1.3 + 1)
    ax.legend(loc="upper right", fontsize=8, ncols=2)
    return ax
