"""The CI matrix: which leg runs every notebook on which axis values, and what really ran.

Declared once, in ``LEGS``: ``.ci/run`` runs them (a test compares its ``leg`` lines and the
Makefile with this list) and the README's matrix is written from them
(``python -m helpers.course.collection --write``). While CI runs, each pytest session that executes
notebooks appends what it finds about itself to ``build/ci/sessions.jsonl`` (Python, start method,
CPUs and how they are limited, neighbour, front end, notebooks, seconds), and ``.ci/run`` appends
each step's wall time to ``build/ci/steps.jsonl``. At the end ``python -m helpers.course.ci_legs``
prints one table of the run and fails if a leg ran elsewhere than declared, or missed a notebook.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from helpers.machine import cpu_quota, effective_cpus, start_method, usable_cpus

ROOT = Path(__file__).resolve().parents[2]
RECORDS = ROOT / "build" / "ci"
LEG_VARIABLE = "COURSE_CI_LEG"  # set by .ci/run for each step; nothing is recorded without it
NEIGHBOUR_VARIABLE = "COURSE_NEIGHBOUR"  # set by tools/busy_neighbour.py for its command
MATRIX_START, MATRIX_END = "<!-- ci-matrix:start -->", "<!-- ci-matrix:end -->"


@dataclass(frozen=True)
class Leg:
    """One run of every notebook: where it runs, how, and why that combination."""

    name: str  # the label its pytest session records (COURSE_CI_LEG)
    command: str  # what .ci/run runs for it
    python: str
    start_method: str
    cpus: str  # "2", "1 (affinity)" or "1 (quota)"
    neighbour: str  # "quiet" or "busy"
    front_end: str  # "nbval", "rerun", "jupyterlab" or "site"
    passes: int  # how many times it executes each notebook
    why: str

    @property
    def cpu_limit(self) -> str:
        """What limits the CPUs: "affinity" (taskset), "quota" (a cgroup, as Binder) or "none"."""
        return self.cpus.split("(")[1].rstrip(")") if "(" in self.cpus else "none"


LEGS = (
    Leg("test", "env COURSE_STATIC_SITE=1 make test", "3.11", "fork", "2", "quiet", "nbval", 1,
        "the README's test command: lint, unit tests, every notebook head-less; each notebook "
        "is kept as the website's copy (explorers drawn as plain figures)"),
    Leg("site", "make site test-site", "3.11", "fork", "2", "quiet", "site", 0,
        "renders the test leg's executed notebooks and reads every page in Chromium"),
    Leg("browser", "make test-browser-spawn", "3.13", "spawn", "2", "quiet", "jupyterlab", 1,
        "a learner's JupyterLab, under the start method of macOS and Windows"),
    Leg("modern-3.14", "make test-modern", "3.14", "forkserver", "1 (affinity)", "quiet",
        "rerun", 2, "unit tests, then every notebook pinned to one CPU (taskset), run twice in "
        "one kernel as an instructor re-runs cells"),
    Leg("modern-3.15", "make test-modern", "3.15", "forkserver", "1 (quota)", "busy", "nbval", 1,
        "unit tests, then every notebook under Binder's limits (a 1-CPU quota, 2 GB) beside a "
        "process spinning one CPU"),
)
AXES = {"python": ("3.11", "3.13", "3.14", "3.15"),
        "start_method": ("fork", "spawn", "forkserver"),
        "cpus": ("1", "2"), "cpu_limit": ("none", "affinity", "quota"),
        "neighbour": ("quiet", "busy"),
        "front_end": ("nbval", "rerun", "jupyterlab", "site")}


def axis_value(leg: Leg, axis: str) -> str:
    """The leg's value on an axis, as ``AXES`` names it ("1 (affinity)" is the value "1")."""
    return getattr(leg, axis).split()[0]


def readme_matrix() -> str:
    """The README's table: every leg with its axis values, passes and reason."""
    rows = ["| leg | command | Python | start method | CPUs | neighbour | front end "
            "| passes | why |", "|---|---|---|---|---|---|---|---|---|"]
    rows += [f"| {leg.name} | `{leg.command}` | {leg.python} | {leg.start_method} | {leg.cpus} "
             f"| {leg.neighbour} | {leg.front_end} | {leg.passes} | {leg.why} |" for leg in LEGS]
    return "\n".join(rows)


def cpus_here() -> str:
    """The CPUs this process can keep busy, and what limits them: "2", "1 (affinity)"."""
    cpus, quota = effective_cpus(), cpu_quota()
    if quota is not None and math.ceil(quota) < usable_cpus():
        return f"{cpus} (quota)"
    return f"{cpus} (affinity)" if usable_cpus() < (os.cpu_count() or 1) else str(cpus)


def record(front_end: str, notebooks: int, seconds: float, notebook_seconds: float = 0.0,
           executed: int | None = None, passes: int = 1) -> None:
    """Append this session's facts to ``build/ci/sessions.jsonl`` (only while CI runs a leg)."""
    leg = os.environ.get(LEG_VARIABLE)
    if not leg:
        return
    entry = {"leg": leg, "python": platform.python_version(), "start_method": start_method(),
             "cpus": cpus_here(), "neighbour": os.environ.get(NEIGHBOUR_VARIABLE, "quiet"),
             "front_end": front_end, "notebooks": notebooks,
             "executed": notebooks if executed is None else executed, "passes": passes,
             "seconds": round(seconds, 1), "notebook_seconds": round(notebook_seconds, 1)}
    RECORDS.mkdir(parents=True, exist_ok=True)
    with (RECORDS / "sessions.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def mismatches(sessions: Iterable[dict], notebooks: int) -> list[str]:
    """Where what ran differs from ``LEGS``: a leg missing, elsewhere, or short of notebooks."""
    found = {session["leg"]: session for session in sessions}
    problems = []
    for leg in LEGS:
        session = found.get(leg.name)
        if session is None:
            problems.append(f"{leg.name}: no session recorded")
            continue
        ran = {"python": ".".join(session["python"].split(".")[:2]),
               "start_method": session["start_method"], "cpus": session["cpus"],
               "neighbour": session["neighbour"], "front_end": session["front_end"]}
        wanted = {axis: getattr(leg, axis) for axis in ran}
        problems += [f"{leg.name}: {axis} is {ran[axis]}, declared {wanted[axis]}"
                     for axis in ran if ran[axis] != wanted[axis]]
        if session["notebooks"] != notebooks:
            problems.append(f"{leg.name}: {session['notebooks']} of {notebooks} notebooks")
        if session["executed"] != notebooks * min(leg.passes, 1):
            problems.append(f"{leg.name}: executed {session['executed']} notebooks, declared "
                            f"{notebooks * min(leg.passes, 1)}")
    return problems


def table(steps: list[dict], sessions: list[dict]) -> str:
    """One row per leg that ran notebooks, and one per install or setup step, in CI's order."""
    rows = ["| step | leg | Python | start method | CPUs | neighbour | front end | notebooks "
            "| seconds |", "|---|---|---|---|---|---|---|---|---|"]
    for step in steps:
        own = [s for s in sessions if s["leg"] == step["name"]
               or s["leg"].startswith(step["name"] + "-")]
        if not own:
            note = " (beside the next steps)" if step.get("background") else ""
            rows.append(f"| {step['name']}{note} | setup | | | | | | | {step['seconds']:.0f} |")
            continue
        for s in own:
            runs = (f"{s['executed']} × {s['passes']}" if s["executed"]
                    else f"0 ({s['notebooks']} rendered)")
            rows.append(f"| {step['name']} | {s['leg']} | {s['python']} | {s['start_method']} "
                        f"| {s['cpus']} | {s['neighbour']} | {s['front_end']} | {runs} "
                        f"| {s['seconds']:.0f} |")
        rest = step["seconds"] - sum(s["seconds"] for s in own)
        if rest >= 5:
            rows.append(f"| {step['name']} | rest of the step: installs, unit tests, start-up, "
                        f"rendering | | | | | | | {rest:.0f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=int, default=None,
                        help="how many notebooks every leg must run (default: the collection's)")
    options = parser.parse_args(argv)
    if options.notebooks is None:
        from helpers.course.collection import notebooks
        options.notebooks = len(notebooks())
    steps, sessions = _read(RECORDS / "steps.jsonl"), _read(RECORDS / "sessions.jsonl")
    print(table(steps, sessions))
    total = sum(step["seconds"] for step in steps if not step.get("background"))
    print(f"\nCI steps took {total:.0f} s ({total / 60:.1f} min) in all.")
    problems = mismatches(sessions, options.notebooks)
    for problem in problems:
        print(f"MATRIX: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
