"""helpers.course.bench: per-pair ratios, their spread, the above-ideal verdict, the reports."""

from __future__ import annotations

import json

import pytest

from helpers.course import bench
from helpers.timing import Measurement

IDS = ["machine_capacity", "process_pool_efficiency", "thread_pool_overlap", "asyncio_overlap",
       "manager_vs_shared_value", "numba_vs_numpy_plain", "numba_vs_numpy_fastmath",
       "prange_efficiency", "capstone_share_of_limit"]


def test_paired_ratio_is_the_median_of_pairs_and_its_interquartile_spread():
    ratio = bench.paired_ratio([2.0, 4.0, 6.0, 8.0], [1.0, 2.0, 2.0, 4.0])  # 2, 2, 3, 2
    assert ratio.ratios == (2.0, 2.0, 3.0, 2.0) and ratio.median == 2.0
    assert ratio.spread == pytest.approx(0.125)  # quartiles 2 and 2.25
    assert bench.paired_ratio([1.0], [2.0]).spread == 0.0
    with pytest.raises(ValueError, match="same length"):
        bench.paired_ratio([1.0, 2.0], [1.0])


def test_a_pair_disturbed_at_one_moment_moves_the_median_little():
    # A busy spell slows one run of each side differently; a min of each side taken at
    # different moments would report 3.0 / 0.9 = 3.3, above the ideal 2.
    slow, fast = [2.0, 3.0, 2.0, 2.0, 2.0], [1.0, 1.0, 0.9, 1.0, 1.0]
    ratio = bench.time_ratio(Measurement(tuple(slow)), Measurement(tuple(fast)))
    assert ratio.median == 2.0 and min(slow[:1] + slow[2:]) / min(fast) > 2.2


def test_a_ratio_above_its_ideal_beyond_its_spread_is_a_failed_measurement():
    assert bench.Row("a", "", 1.26, 1.0, 0.2).above_ideal
    assert not bench.Row("a", "", 1.15, 1.0, 0.2).above_ideal
    assert not bench.Row("a", "", 99.0, None, 0.0).above_ideal
    assert bench.Row("a", "", 2.52, 2.0, 0.1).verdict.startswith("FAILED MEASUREMENT")


def test_row_from_scales_to_an_efficiency():
    row = bench.row_from(bench.paired_ratio([2.0, 1.9], [1.0, 1.0]), id="x", claim="c",
                         ideal=1.0, scale=1 / 2)
    assert row.measured == pytest.approx(0.975) and row.ideal == 1.0


def test_report_files_have_the_issue_shape(tmp_path):
    rows = [bench.Row(i, f"claim {i}", 1.0 + k, None if k % 2 else 10.0, 0.05)
            for k, i in enumerate(IDS)]
    text, data = bench.write(rows, tmp_path, "title", ["a note"], {"effective_cpus": 2})
    record = json.loads(data.read_text())
    assert [row["id"] for row in record["rows"]] == IDS
    assert all({"id", "claim", "measured", "ideal", "spread"} <= set(row)
               for row in record["rows"])
    body = text.read_text()
    assert body.startswith("# title") and "`capstone_share_of_limit`" in body and "a note" in body
    assert bench.load_previous(data) == {i: 1.0 + k for k, i in enumerate(IDS)}
    assert bench.load_previous(tmp_path / "missing.json") == {}


def test_compare_flags_rows_that_moved_more_than_fifteen_percent():
    rows = [bench.Row("a", "", 1.0, None, 0.0), bench.Row("b", "", 1.3, None, 0.0)]
    lines = bench.compare(rows, {"a": 0.95, "b": 1.0})
    assert "agrees" in lines[0] and "DOES NOT AGREE" in lines[1]


def test_the_benchmark_names_every_row_of_the_issue():
    from helpers.course.collection import ROOT
    source = (ROOT / "tools" / "bench.py").read_text()
    assert all(f'"{i}"' in source for i in IDS if not i.startswith("numba_vs_numpy"))
    assert 'id=f"numba_vs_numpy_{name}"' in source and '("plain", "fastmath")' in source
