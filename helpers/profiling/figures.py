"""Notebook 01's pictures: a flame graph (icicle) of collapsed stacks, and profiler overheads.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> ax = icicle({("main", "hot"): 3, ("main", "cold"): 1}, title="two children")
>>> sorted(t.get_text() for t in ax.texts)
['cold', 'hot', 'main']
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from helpers.plots import MEASURED, OKABE_ITO, WORSE

#: Frames narrower than this share of the whole are drawn but not labelled.
_LABEL_MIN_SHARE = 0.06


def _tree(stacks: Mapping[tuple[str, ...], float]) -> dict:
    """Nested ``{name: (weight, children)}`` from collapsed stacks, children merged by name."""
    root: dict = {}
    for stack, weight in stacks.items():
        level = root
        for name in stack:
            total, children = level.get(name, (0.0, {}))
            level[name] = (total + weight, children)
            level = children
    return root


def icicle(stacks: Mapping[tuple[str, ...], float], *, ax: Axes | None = None,
           title: str = "", highlight: str | None = None, unit: str = "samples") -> Axes:
    """Draw collapsed stacks as an icicle: the outermost call on top, width = share of time.

    A frame's width is its total (cumulative) weight; the space under it that no child fills
    is its own (total) time. ``highlight`` colours every frame of that name.
    """
    if not stacks or sum(stacks.values()) <= 0:
        raise ValueError("stacks is empty: nothing was recorded")
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6), layout="constrained")
    whole = float(sum(stacks.values()))
    depth = 0

    def draw(level: dict, left: float, row: int) -> None:
        nonlocal depth
        depth = max(depth, row + 1)
        for index, (name, (weight, children)) in enumerate(sorted(level.items())):
            width = weight / whole
            colour = WORSE if name == highlight else OKABE_ITO[(row + index) % 2 * 4]
            ax.barh(-row, width, left=left, height=0.9, color=colour, edgecolor="white",
                    align="edge")
            if width >= _LABEL_MIN_SHARE:
                ax.text(left + 0.005, -row + 0.45, name[:int(width * 120)], va="center",
                        fontsize=7, color="black" if name == highlight else "white",
                        clip_on=True)
            draw(children, left, row + 1)
            left += width

    draw(_tree(stacks), 0.0, 0)
    ax.set(xlim=(0, 1), ylim=(-depth + 0.9, 1), yticks=[],
           xlabel=f"share of all {unit} (width = time in the frame and below it)",
           ylabel="call depth (outermost on top)", title=title)
    return ax


def overhead_bars(ratios: Mapping[str, float], *, ax: Axes | None = None,
                  title: str = "") -> Axes:
    """Bars of run time under a profiler ÷ run time without it, with the 1× line."""
    if not ratios:
        raise ValueError("ratios is empty")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3), layout="constrained")
    names = list(ratios)
    ax.barh(names, [ratios[name] for name in names], color=MEASURED)
    ax.axvline(1.0, color="black", linewidth=1)
    for row, name in enumerate(names):
        ax.text(ratios[name], row, f" {ratios[name]:.2f}×", va="center", fontsize=8)
    ax.set(xlabel="time with the profiler ÷ time without (CPU seconds, medians)",
           xlim=(0, max(ratios.values()) * 1.25), title=title)
    return ax
