"""The course's pictures: timelines, CPU utilisation, timings, speedup against the ideal.

Each function draws on ``ax`` (a new figure when ``ax`` is None) and returns the Axes, so a
notebook cell ends with ``ax = plots.timeline(...)`` and Jupyter shows the figure once.
Colours are the Okabe–Ito palette, which colour-blind readers can tell apart.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> ax = timeline([Span("worker A", 1, 0.0, 0.5), Span("worker B", 2, 0.1, 0.4)])
>>> [label.get_text() for label in ax.get_yticklabels()]
['worker A', 'worker B']
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from helpers.tracing import CpuSampler, Span
from helpers.validate import number

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
             "#000000")
#: What a colour means, the same in every figure of the course: a measurement, the model it is
#: read against, a hard limit (CPUs, a bound, a budget), and the worse or broken variant.
MEASURED, MODEL, LIMIT, WORSE, OTHER = (OKABE_ITO[0], OKABE_ITO[7], OKABE_ITO[5], OKABE_ITO[1],
                                        OKABE_ITO[2])


def _axes(ax: Axes | None, size: tuple[float, float] = (8, 3)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def _task_label(task: Hashable) -> str:
    if isinstance(task, tuple) and task:
        task = task[0]
    return str(task)


def timeline(
    spans: Sequence[Span],
    *,
    ax: Axes | None = None,
    title: str = "",
    origin: float | None = None,
    label: Callable[[Hashable], str] = _task_label,
) -> Axes:
    """Draw one lane per worker and one bar per task, in seconds from ``origin``.

    ``origin`` defaults to the first span's start; pass the sampler's start to line the
    timeline up with :func:`cpu_utilisation`. Bars are labelled with ``label(task)``.
    """
    spans = list(spans)
    if not spans:
        raise ValueError("timeline needs at least one span")
    if not all(isinstance(span, Span) for span in spans):
        raise TypeError("spans must be helpers.tracing.Span objects")
    ax = _axes(ax, (8, 0.5 + 0.45 * len({s.worker for s in spans})))
    origin = min(s.start for s in spans) if origin is None else origin
    workers = list(dict.fromkeys(s.worker for s in sorted(spans, key=lambda s: s.start)))
    for lane, worker in enumerate(workers):
        for index, span in enumerate(s for s in spans if s.worker == worker):
            colour = OKABE_ITO[index % 2]  # alternate, so neighbouring tasks stand apart
            ax.barh(lane, span.duration, left=span.start - origin, height=0.7,
                    color=colour, edgecolor="white", linewidth=0.5)
            if span.duration > 0:
                ax.text(span.start - origin + span.duration / 2, lane, label(span.task),
                        ha="center", va="center", fontsize=7, color="white", clip_on=True)
    ax.set_yticks(range(len(workers)), workers)
    ax.invert_yaxis()
    ax.set_xlabel("time since start (s)")
    ax.set_xlim(left=0)
    ax.set_title(title)
    return ax


def cpu_utilisation(
    sampler: CpuSampler,
    *,
    ax: Axes | None = None,
    title: str = "",
    origin: float | None = None,
) -> Axes:
    """Draw each CPU's utilisation (%) over time, as measured by a :class:`CpuSampler`."""
    if not isinstance(sampler, CpuSampler):
        raise TypeError(f"expected a CpuSampler, got {type(sampler).__name__}")
    if sampler.start is None or len(sampler.times) == 0:
        raise ValueError("the sampler has no samples: run the experiment inside `with sampler:`")
    ax = _axes(ax)
    origin = sampler.start if origin is None else origin
    edges = np.concatenate([[sampler.start], sampler.times]) - origin
    for index, (cpu, values) in enumerate(zip(sampler.cpus, sampler.percent.T, strict=True)):
        ax.stairs(values, edges, label=f"CPU {cpu}", color=OKABE_ITO[index % len(OKABE_ITO)],
                  linewidth=1.5)
    ax.set_ylim(0, 105)
    ax.set_xlim(left=0)
    ax.set_ylabel("busy (%)")
    ax.set_xlabel("time since start (s)")
    ax.legend(loc="upper right", fontsize=7, ncols=min(4, sampler.percent.shape[1]))
    ax.set_title(title)
    return ax


def run_figure(spans: Sequence[Span], sampler: CpuSampler, title: str) -> Axes:
    """Timeline above per-CPU utilisation, on one time axis. Returns the timeline's Axes."""
    lanes = len({s.worker for s in spans})
    _, (top, bottom) = plt.subplots(
        2, 1, sharex=True, figsize=(8, 2.6 + 0.35 * lanes), layout="constrained",
        height_ratios=[max(1.0, 0.4 * lanes), 1.6],
    )
    timeline(spans, ax=top, origin=sampler.start, title=title)
    cpu_utilisation(sampler, ax=bottom)
    top.set_xlabel("")
    return top


def timings_bar(
    timings: Mapping[str, float], *, ax: Axes | None = None, title: str = "", unit: str = "s"
) -> Axes:
    """Draw one horizontal bar per labelled time, with its value written at the bar's end."""
    if not isinstance(timings, Mapping) or not timings:
        raise ValueError("timings must be a non-empty mapping of label -> time")
    values = list(timings.values())
    if not all(isinstance(v, (int, float)) and v >= 0 for v in values):
        raise ValueError("every time must be a number >= 0")
    ax = _axes(ax, (8, 0.6 + 0.4 * len(timings)))
    bars = ax.barh(list(timings), values,
                   color=[OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(timings))])
    ax.bar_label(bars, labels=[f"{v:#.3g} {unit}" for v in values], padding=3, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"wall time ({unit})")
    ax.margins(x=0.15)
    ax.set_title(title)
    return ax


def speedup(
    workers: Sequence[int],
    measured: Sequence[float],
    *,
    ideal: Sequence[float] | None = None,
    cpus: int | None = None,
    capacity: float | None = None,
    ax: Axes | None = None,
    title: str = "",
) -> Axes:
    """Draw measured speedup against the number of workers, with the ideal and the CPU count.

    ``capacity`` (CPUs' worth of work measured in the same rounds) draws the ceiling the
    machine gave: no speedup can pass it, whatever the CPU count says.
    """
    if len(workers) == 0 or len(workers) != len(measured):
        raise ValueError("workers and measured must be non-empty and of the same length")
    if ideal is not None and len(ideal) != len(workers):
        raise ValueError("ideal must have one value per worker count")
    ax = _axes(ax, (6, 3.5))
    if ideal is not None:
        ax.plot(workers, ideal, "--", color=MODEL, label="ideal")
    ax.plot(workers, measured, "o-", color=MEASURED, label="measured")
    if cpus is not None:
        ax.axvline(cpus, color=LIMIT, linestyle=":", label=f"effective CPUs = {cpus}")
    if capacity is not None:
        ax.axhline(number("capacity", capacity, positive=True), color=LIMIT, linestyle="-.",
                   label=f"capacity measured = {capacity:.2f} CPUs")
    ax.set_xlabel("workers")
    ax.set_ylabel("speedup over one worker (×)")
    ax.set_xticks(list(workers))
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    ax.set_title(title)
    return ax
