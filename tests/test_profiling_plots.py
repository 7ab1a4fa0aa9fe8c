"""Tests of notebook 01's figures: the icicle of collapsed stacks and the overhead bars."""

from __future__ import annotations

import matplotlib
import pytest

from helpers import profiling_plots
from helpers.plots import WORSE

matplotlib.use("Agg")


def test_icicle_widths_are_shares():
    ax = profiling_plots.icicle({("main", "hot"): 3, ("main", "cold"): 1, ("main",): 0},
                                highlight="hot")
    widths = {round(patch.get_width(), 3) for patch in ax.patches}
    assert widths == {1.0, 0.75, 0.25}
    highlighted = [p for p in ax.patches if matplotlib.colors.to_hex(p.get_facecolor()) ==
                   matplotlib.colors.to_hex(WORSE)]
    assert len(highlighted) == 1 and round(highlighted[0].get_width(), 2) == 0.75


def test_icicle_merges_stacks_by_name():
    ax = profiling_plots.icicle({("a", "b", "c"): 1, ("a", "b"): 1, ("a", "d"): 2})
    assert len(ax.patches) == 4  # a, b, c, d


def test_icicle_refuses_nothing():
    with pytest.raises(ValueError):
        profiling_plots.icicle({})


def test_overhead_bars():
    ax = profiling_plots.overhead_bars({"calls": 4.0, "inline": 1.1}, title="t")
    assert [round(p.get_width(), 1) for p in ax.patches] == [4.0, 1.1]
    with pytest.raises(ValueError):
        profiling_plots.overhead_bars({})
