"""Notebook 15's figures: the speedup chart and the decision guide (kept apart from
the workers' module, so a pool worker never imports matplotlib)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb

from helpers.plots import LIMIT, MEASURED, MODEL, OKABE_ITO, OTHER, WORSE

#: What kind of change each variant is, for the chart's colours.
KINDS = {"representation": MEASURED, "parallel": WORSE, "compiled": OTHER,
         "representation + parallel": OKABE_ITO[4], "compiled + parallel": OKABE_ITO[3]}


def speedup_chart(speedup: Mapping[str, float], kinds: Mapping[str, str], cpus: int, *,
                  limit: float | None = None, capacity: float | None = None,
                  ax: Axes | None = None, title: str = "") -> Axes:
    """Horizontal bars of speedup (log scale), coloured by kind, with the CPU count marked and,
    if given, the machine's ``limit``: the ``capacity`` measured in the same rounds (CPUs' worth
    of work; the CPU count if not given) × the best one-core speedup."""
    if not speedup or set(speedup) != set(kinds):
        raise ValueError("speedup and kinds must name the same, non-empty set of variants")
    if not set(kinds.values()) <= set(KINDS):
        raise ValueError(f"kinds must be among {list(KINDS)}")
    if isinstance(cpus, bool) or not isinstance(cpus, int) or cpus < 1:
        raise ValueError(f"cpus must be an int >= 1, got {cpus!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.8 + 0.45 * len(speedup)), layout="constrained")
    names = list(speedup)
    values = [speedup[name] for name in names]
    bars = ax.barh(names, values, color=[KINDS[kinds[name]] for name in names])
    ax.bar_label(bars, labels=[f"{v:.3g}×" for v in values], padding=3, fontsize=8)
    ax.set_xscale("log")
    if limit is not None and not limit > 0:
        raise ValueError(f"limit must be a speedup > 0, got {limit!r}")
    ax.set_xlim(min(0.3, min(values) / 2), max([*values, limit or 0]) * 4)
    ax.axvline(1, color=MODEL, linewidth=0.8)
    ax.axvline(cpus, color=MODEL, linestyle=":",
               label=f"effective CPUs = {cpus}:\nthe most parallelism\nalone can give")
    if capacity is not None and not capacity > 0:
        raise ValueError(f"capacity must be a number of CPUs > 0, got {capacity!r}")
    if limit is not None:
        times = f"{cpus} CPU(s)" if capacity is None else f"capacity {capacity:.2f}"
        ax.axvline(limit, color=LIMIT, linewidth=2,
                   label=f"the machine's limit:\n{times} × best\none-core = {limit:.3g}×")
    handles = [plt.Rectangle((0, 0), 1, 1, color=colour) for colour in KINDS.values()]
    ax.legend(handles + ax.get_legend_handles_labels()[0],
              list(KINDS) + ax.get_legend_handles_labels()[1], fontsize=7, loc="upper left",
              bbox_to_anchor=(1.01, 1))
    ax.invert_yaxis()
    ax.set_xlabel("speedup over the article's code (×, log scale)")
    ax.set_title(title)
    return ax


# ---- the decision guide ----

@dataclass(frozen=True)
class Node:
    """A box of the decision guide: a question, or an answer pointing to notebooks."""

    key: str
    text: str
    x: float
    y: float
    notebooks: tuple[str, ...] = ()


GUIDE_NODES = (
    Node("start", "Where does the time go?\n(profile first)", 0.50, 0.94, ("01",)),
    Node("io", "Waiting:\nnetwork, disk, other programs", 0.20, 0.74),
    Node("cpu", "Computing", 0.72, 0.74),
    Node("few", "Tens to hundreds of waits:\nthread pool", 0.07, 0.46, ("02", "03", "04")),
    Node("many", "Thousands of waits:\nasyncio", 0.24, 0.30, ("12",)),
    Node("programs", "Other programs:\nsubprocess", 0.40, 0.46, ("13",)),
    Node("repeat", "Same inputs again?\nlru_cache first", 0.55, 0.54, ("08",)),
    Node("arrays", "Arrays of numbers:\nNumPy, then numba\n(prange, nogil)", 0.70, 0.36,
         ("09", "10", "15")),
    Node("objects", "Python objects:\nprocess pool\n(3.14+: free-threaded"
         "\nthreads, subinterpreters)", 0.93, 0.54, ("03", "05", "07", "15")),
    Node("hidden", "NumPy or numba inside\na pool? One level of\nthreads; memory per worker",
         0.93, 0.30, ("11",)),
    Node("scale", "One machine is not enough:\nMPI or Dask", 0.80, 0.10, ("14",)),
)
GUIDE_EDGES = (
    ("start", "io", "I/O-bound"), ("start", "cpu", "CPU-bound"),
    ("io", "few", ""), ("io", "many", ""), ("io", "programs", ""),
    ("cpu", "repeat", ""), ("cpu", "arrays", "arrays"), ("cpu", "objects", "objects"),
    ("arrays", "scale", "many machines"), ("objects", "hidden", "NumPy inside"),
    ("hidden", "scale", ""),
)


def guide_notebooks() -> set[str]:
    """Every notebook number the decision guide points to.

    >>> sorted(guide_notebooks())[:3]
    ['01', '02', '03']
    """
    return {number for node in GUIDE_NODES for number in node.notebooks}


def _tint(color: str, amount: float) -> tuple[float, float, float]:
    """An opaque pale version of a colour (arrows behind a box must not show through it)."""
    return tuple(1 - amount + amount * c for c in to_rgb(color))


def decision_guide(*, ax: Axes | None = None,
                   title: str = "Which tool? Ask what the time goes to, then what the data is"
                   ) -> Axes:
    """Draw the decision guide: boxes (questions and answers with notebook numbers) and arrows.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> len(decision_guide().texts) >= len(GUIDE_NODES)
    True
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 6.2), layout="constrained")
    nodes = {node.key: node for node in GUIDE_NODES}
    for start, end, label in GUIDE_EDGES:
        a, b = nodes[start], nodes[end]
        ax.annotate("", xy=(b.x, b.y), xytext=(a.x, a.y),
                    arrowprops={"arrowstyle": "-|>", "color": OKABE_ITO[7], "lw": 1,
                                "shrinkA": 26, "shrinkB": 35})
        if label:
            ax.text((a.x + b.x) / 2, (a.y + b.y) / 2, label, fontsize=8, ha="center",
                    va="center", style="italic",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    for node in GUIDE_NODES:
        answer = bool(node.notebooks)
        text = node.text + (f"\n→ notebook {', '.join(node.notebooks)}" if answer else "")
        ax.text(node.x, node.y, text, ha="center", va="center", fontsize=8.5,
                weight="normal" if answer else "bold",
                bbox={"boxstyle": "round,pad=0.4",
                      "facecolor": _tint(OKABE_ITO[4] if answer else OKABE_ITO[6],
                                         0.25 if answer else 0.38),
                      "edgecolor": OKABE_ITO[0] if answer else OKABE_ITO[7]})
    ax.set_xlim(-0.06, 1.06)
    ax.set_ylim(0.0, 1.02)
    ax.axis("off")
    ax.set_title(title)
    return ax


