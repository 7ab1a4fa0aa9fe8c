"""Notebook 09's figures: achieved bandwidth against working-set size (with the cache sizes
drawn where the platform reports them), and the roofline of this machine.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> r = Rate(2**20, 2**16, 1e-5, 16, 0)
>>> ax = bandwidth_curves({"copy": [r]}, [CacheLevel("L2", 2**20)])
>>> ax.get_xscale(), len(ax.lines)
('log', 2)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from helpers.plots import LIMIT, MEASURED, MODEL, OKABE_ITO, _axes
from helpers.vectorise.experiment import CacheLevel, Rate, Roofline

#: One colour per kernel, the same in every figure of the notebook.
KERNEL_COLOURS = {"copy": MEASURED, "triad": OKABE_ITO[1], "sum": OKABE_ITO[2],
                  "exp": OKABE_ITO[3], "poly": OKABE_ITO[4]}


def _size_label(size: float) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size:g} B"


def bandwidth_curves(curves: Mapping[str, Sequence[Rate]], caches: Sequence[CacheLevel], *,
                     ax: Axes | None = None, title: str = "") -> Axes:
    """Achieved GB/s against working set (log x), one line per kernel, caches as lines."""
    ax = _axes(ax, (8, 3.6))
    for name, rates in curves.items():
        ax.semilogx([r.working_set for r in rates], [r.gbps for r in rates], "o-", ms=3,
                    color=KERNEL_COLOURS.get(name, MODEL), label=name)
    top = max((r.gbps for rates in curves.values() for r in rates), default=1.0)
    for cache in caches:
        ax.axvline(cache.size, color=LIMIT, ls=":", lw=1)
        ax.text(cache.size, top * 1.02, f" {cache.name} {_size_label(cache.size)}",
                color=LIMIT, fontsize=8, va="bottom")
    if not caches:
        ax.text(0.01, 0.02, "cache sizes not reported by this platform: no lines drawn",
                transform=ax.transAxes, fontsize=8, color=LIMIT)
    ax.set_xticks([2**k for k in range(14, 29, 2)],
                  [_size_label(2**k) for k in range(14, 29, 2)], fontsize=8)
    ax.set(xlabel="working set (all arrays of the kernel together)",
           ylabel="achieved GB/s", ylim=(0, top * 1.15),
           title=title or "Bandwidth against size: fast in cache, slower from RAM")
    ax.legend(fontsize=8, loc="upper right")
    return ax


def roofline(roof: Roofline, points: Mapping[str, Rate], *, ax: Axes | None = None,
             title: str = "") -> Axes:
    """The two roofs on log–log axes and each operation at its intensity and GFLOP/s."""
    ax = _axes(ax, (7, 4))
    low = min([0.02] + [p.intensity / 2 for p in points.values()])
    high = max([roof.ridge * 8] + [p.intensity * 2 for p in points.values()])
    x = np.logspace(np.log10(low), np.log10(high), 200)
    ax.loglog(x, np.minimum(roof.compute, roof.bandwidth * x), color=LIMIT, lw=2,
              label=f"roof: {roof.bandwidth:.0f} GB/s × I, capped at {roof.compute:.0f} GFLOP/s")
    ax.axvline(roof.ridge, color=LIMIT, ls=":", lw=1)
    for name, point in points.items():
        ax.loglog(point.intensity, point.gflops, "o", ms=7,
                  color=KERNEL_COLOURS.get(name, MEASURED))
        ax.annotate(f"{name}\n{point.gflops:.2g} GFLOP/s", (point.intensity, point.gflops),
                    textcoords="offset points", xytext=(6, -14), fontsize=8)
    ax.set(xlabel="arithmetic intensity (flops per byte moved)", ylabel="GFLOP/s",
           title=title or f"Roofline of one core: ridge at {roof.ridge:.1f} flops/byte")
    ax.legend(fontsize=8, loc="upper left")
    return ax
