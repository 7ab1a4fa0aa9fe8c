"""The benchmark's arithmetic (``tools/bench.py``, ``make bench``): ratios from interleaved runs,
their spread, the verdict on a ratio above its ideal, and the report it writes.

Both sides of a comparison run in turns (A, B, A, B, …, :func:`helpers.timing.interleaved`), so
each pair of runs met the same machine. A row's figure is the **median of the per-pair
ratios**, and its spread the interquartile range of those ratios as a fraction of the median.
A ratio above its ideal by more than that spread cannot happen on free, identical cores, so the
row is reported as a failed measurement, never as a result. It is not physically impossible:
on a VM whose CPUs differ in speed (a shared or throttled vCPU), a one-worker baseline that ran
on the slower CPU (speed s) makes two workers' speedup (1 + s) / s, above 2 for s < 1; a
superlinear cache effect can do it too. The spread is the sample's interquartile range, not a
confidence interval.

>>> r = paired_ratio([2.0, 4.0, 6.0], [1.0, 2.0, 2.0])  # ratios 2, 2, 3
>>> round(r.median, 3), round(r.spread, 3)
(2.0, 0.25)
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from helpers.timing import Measurement

#: Two consecutive runs must agree this closely on every row (a fraction of the earlier one).
AGREEMENT = 0.15


@dataclass(frozen=True)
class Ratio:
    """The per-pair ratios of two interleaved series, summarised."""

    ratios: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    @property
    def spread(self) -> float:
        """Interquartile range of the ratios, as a fraction of their median."""
        if len(self.ratios) < 2 or self.median == 0:
            return 0.0
        low, _, high = statistics.quantiles(self.ratios, n=4, method="inclusive")
        return (high - low) / abs(self.median)


def paired_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> Ratio:
    """Ratios ``numerators[i] / denominators[i]`` of runs taken in turns (same length)."""
    if len(numerators) != len(denominators) or not numerators:
        raise ValueError("need two non-empty series of the same length, taken in turns")
    return Ratio(tuple(a / b for a, b in zip(numerators, denominators, strict=True)))


def time_ratio(slow: Measurement, fast: Measurement) -> Ratio:
    """How many times faster ``fast`` ran than ``slow``, pair by pair (a speedup)."""
    return paired_ratio(slow.times, fast.times)


@dataclass(frozen=True)
class Row:
    """One claim of the table; ``spread`` is a fraction of ``measured``."""

    id: str
    claim: str
    measured: float
    ideal: float | None
    spread: float
    unit: str = "×"
    article: str = "—"
    detail: str = ""

    @property
    def above_ideal(self) -> bool:
        """Above its ideal by more than its own spread: a failed measurement."""
        return self.ideal is not None and self.measured > self.ideal * (1 + self.spread)

    @property
    def verdict(self) -> str:
        return "FAILED MEASUREMENT: above its ideal beyond its spread" if self.above_ideal \
            else "ok"

    def cells(self) -> list[str]:
        ideal = "—" if self.ideal is None else f"{self.ideal:.3g}{self.unit}"
        share = "—" if self.ideal is None else f"{self.measured / self.ideal:.2f}"
        return [f"`{self.id}`", self.claim, f"{self.measured:.3g}{self.unit}",
                f"±{self.spread:.0%}", ideal, share, self.verdict, self.article]

    def record(self) -> dict[str, object]:
        record = asdict(self)
        record["verdict"] = self.verdict
        return record


def row_from(ratio: Ratio, *, id: str, claim: str, ideal: float | None, scale: float = 1.0,
             **extra: str) -> Row:
    """A row whose figure is ``scale`` × the median ratio (an efficiency: scale = 1 / ideal)."""
    return Row(id=id, claim=claim, measured=ratio.median * scale, ideal=ideal,
               spread=ratio.spread, **extra)


HEADER = ["id", "claim", "measured", "spread", "ideal", "measured ÷ ideal", "verdict",
          "the article"]


def markdown(rows: Sequence[Row], title: str, notes: Sequence[str] = ()) -> str:
    """The table of ``build/benchmark.md``."""
    lines = [f"# {title}", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    details = [f"- `{row.id}`: {row.detail}" for row in rows if row.detail]
    return "\n".join([*lines, "", *details, *([""] if details else []), *notes, ""])


def write(rows: Sequence[Row], folder: Path, title: str, notes: Sequence[str] = (),
          machine: dict[str, object] | None = None) -> tuple[Path, Path]:
    """Write ``benchmark.md`` and ``benchmark.json`` (``{"rows": [...]}``) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    text, data = folder / "benchmark.md", folder / "benchmark.json"
    text.write_text(markdown(rows, title, notes), encoding="utf-8")
    data.write_text(json.dumps({"machine": machine or {},
                                "rows": [row.record() for row in rows]}, indent=1) + "\n",
                    encoding="utf-8")
    return text, data


def compare(rows: Sequence[Row], previous: dict[str, float]) -> list[str]:
    """How each row moved since the previous run: agreement within :data:`AGREEMENT`.

    >>> compare([Row("a", "", 1.1, None, 0.0)], {"a": 1.0})
    ['`a`: 1.1 now, 1 before: +10 %, agrees within 15 %']
    """
    lines = []
    for row in rows:
        if row.id not in previous:
            continue
        before = previous[row.id]
        change = row.measured / before - 1 if before else float("inf")
        verdict = "agrees" if abs(change) <= AGREEMENT else "DOES NOT AGREE"
        lines.append(f"`{row.id}`: {row.measured:.3g} now, {before:.3g} before: "
                     f"{change * 100:+.0f} %, {verdict} within {AGREEMENT * 100:.0f} %")
    return lines


def load_previous(path: Path) -> dict[str, float]:
    """Each row's figure in an earlier ``benchmark.json`` (empty if there is none)."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    except (OSError, ValueError, KeyError):
        return {}
    return {row["id"]: float(row["measured"]) for row in rows}
