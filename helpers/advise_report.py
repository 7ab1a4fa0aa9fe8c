"""What :func:`helpers.advise.advise` returns: the rows it measured, the profile, the advice.

Kept apart from the measuring so that a report can be read, printed, saved and drawn without
running anything (``Advice.to_json`` and back in a notebook, ``print(advice)`` in a terminal).
"""

from __future__ import annotations

import contextlib
import inspect
import json
from dataclasses import asdict, dataclass, field

BEST = ("sequential", "threads", "processes", "numba", "numba-parallel", "asyncio")
#: On a tie within the measured spread the simpler tool wins: fewer changes to the code, fewer
#: ways to fail (no pickling, no compiler, no event loop).
SIMPLEST_FIRST = ("sequential", "threads", "processes", "numba", "numba-parallel", "asyncio")
CHAPTERS = {"threads": "02 (threads and the GIL)", "processes": "03 (process pools)",
            "numba": "10 (numba)", "numba-parallel": "10 (numba)",
            "vectorise": "09 (NumPy vectorisation)", "asyncio": "12 (asyncio)",
            "hidden": "11 (hidden threads)", "choosing": "15 (choosing)"}


@dataclass
class Row:
    strategy: str
    seconds: float | None = None
    times: tuple[float, ...] = ()
    speedup: float | None = None
    share: float | None = None  # of the ideal: min(workers, tasks, capacity)
    equal: bool | None = None
    note: str = ""


@dataclass
class Profile:
    tasks: int
    task_seconds: float  # median wall per task
    task_cpu: float
    wait_share: float  # the smaller of two runs, task by task: being descheduled is not waiting
    gil_share: float
    releases_gil: bool
    pickle_seconds: float | None
    peak_bytes: int
    cpus_busy: float
    top: list[tuple[str, float]] = field(default_factory=list)
    tolerance: str = ""

    @property
    def waits(self) -> bool:
        """Most of a task's time is spent off the CPU, in both sequential runs."""
        return self.wait_share > 0.5


@dataclass
class Advice:
    best: str
    rows: list[Row]
    profile: Profile
    capacity: float
    capacity_rounds: tuple[float, ...]
    workers: int
    evidence: str
    chapters: list[str]

    def row(self, strategy: str) -> Row:
        return next(row for row in self.rows if row.strategy == strategy)

    def speedups(self) -> dict[str, float]:
        """Each timed strategy's speedup over sequential (median of the rounds)."""
        return {row.strategy: row.speedup for row in self.rows if row.speedup is not None}

    def __str__(self) -> str:
        lines = [f"{'strategy':<15}{'seconds':>9}{'speedup':>9}{'of ideal':>10}  equal  note"]
        for row in self.rows:
            seconds = "—" if row.seconds is None else f"{row.seconds:.3f}"
            speedup = "—" if row.speedup is None else f"{row.speedup:.2f}x"
            share = "—" if row.share is None else f"{row.share:.0%}"
            equal = {True: "yes", False: "NO", None: "—"}[row.equal]
            lines.append(f"{row.strategy:<15}{seconds:>9}{speedup:>9}{share:>10}  {equal:<5}  "
                         f"{row.note}")
        lines += ["", f"Recommendation: {self.best}. {self.evidence}",
                  "Read: chapters " + ", ".join(self.chapters) + "."]
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)

    def plot(self, ax=None):
        """Each strategy's speedup (its rounds as dots), against the capacity measured in the
        same rounds: no parallel speedup of CPU work can pass that line."""
        from helpers import plots  # here: a process worker never loads matplotlib
        rows = [row for row in self.rows if row.speedup is not None]
        ax = plots._axes(ax, (7, 3.5))
        names = [row.strategy for row in rows]
        ax.bar(names, [row.speedup for row in rows],
               color=[plots.MEASURED if row.strategy == self.best else plots.OTHER
                      for row in rows])
        base = self.row("sequential").seconds
        for name, row in zip(names, rows, strict=True):
            ax.plot([name] * len(row.times), [base / t for t in row.times], "o",
                    color=plots.MODEL, markersize=3)
        ax.axhline(self.capacity, color=plots.LIMIT, linestyle="-.",
                   label=f"capacity measured = {self.capacity:.2f} CPUs")
        ax.axhline(1, color=plots.MODEL, linewidth=0.8)
        ax.set_yscale("log")
        ax.set_ylabel("speedup over sequential (×, log)")
        ax.set_title(f"Best: {self.best} (dots: each round)")
        ax.legend(fontsize=8)
        return ax


def chapters(best: str, func, inputs, profile: Profile) -> list[str]:
    """The chapters that explain the advice, and the ones the profile points to."""
    found = [CHAPTERS[best]] if best in CHAPTERS else []
    if best != "threads":
        found.append(CHAPTERS["threads"])
    if profile.cpus_busy > 1.2:
        found.append(CHAPTERS["hidden"])
    if any(type(a).__module__ == "numpy" for args in inputs[:1] for a in args):
        with contextlib.suppress(OSError, TypeError):  # no source: a built-in, a lambda in C
            if "for " in inspect.getsource(func):
                found.append(CHAPTERS["vectorise"] + ": vectorisation is not automatic, "
                             "and the profile shows a Python loop over array elements")
    return list(dict.fromkeys([*found, CHAPTERS["choosing"]]))
