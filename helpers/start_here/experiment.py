"""The environment check and the course map of notebook 00.

Every verdict is computed on the reader's machine: the Python version, the installed packages
against ``pyproject.toml``, a process really started with the course's start method, the
effective CPUs, and numba's threading layer (reported by a script, see :func:`numba_verdict`).

>>> python_check((3, 12, 1)).verdict
'ok'
>>> package_check(Requirement("numpy>=1.26,<3")).verdict
'ok'
"""

from __future__ import annotations

import html
import importlib.metadata
import importlib.util
import json
import multiprocessing
import os
import re
import sys
import tomllib
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement

from helpers.capacity import Capacity
from helpers.course.collection import NotebookInfo
from helpers.machine import MachineFacts, mp_context, start_method

ROOT = Path(__file__).resolve().parents[2]
MINIMUM_PYTHON = (3, 11)
VERDICTS = ("ok", "warning", "problem")
_MARKS = {"ok": "✔ ok", "warning": "⚠ warning", "problem": "✘ problem"}
#: Distribution name -> import name, where they differ.
IMPORT_NAMES: dict[str, str | None] = {
    "ipython": "IPython",
    # MPI libraries ship programs (mpiexec) and shared libraries, no Python module; py-spy
    # is a program too (notebook 01 runs it from outside the process it records).
    "mpich": None, "impi-rt": None, "py-spy": None,
}
#: Suggested orders through the course (notebook numbers).
PATHS = {
    "90-minute class": ("00", "02", "15"),
    "full day (about 6 hours with breaks)": (
        "00", "01", "02", "03", "04", "06", "08", "09", "10", "11", "12", "15"),
    "self-study, in order": tuple(f"{n:02d}" for n in range(16)),
}


@dataclass(frozen=True)
class Check:
    """One line of the environment check: what was found, the verdict, what to do about it."""

    name: str
    found: str
    verdict: str
    advice: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")


# ---- Python and packages ----

def python_check(version: Sequence[int] | None = None,
                 minimum: tuple[int, int] = MINIMUM_PYTHON) -> Check:
    """Is this Python new enough for the course (3.11: ``asyncio.TaskGroup``, ``tomllib``)?

    >>> python_check((3, 10, 4)).verdict
    'problem'
    """
    version = tuple(sys.version_info[:3] if version is None else version)
    if len(version) < 2 or not all(isinstance(part, int) for part in version):
        raise TypeError(f"version must be a tuple of ints like (3, 12, 1), got {version!r}")
    found = ".".join(map(str, version))
    wanted = ".".join(map(str, minimum))
    if version[:2] >= minimum:
        return Check("Python", found, "ok", f"the course needs {wanted} or newer")
    return Check("Python", found, "problem",
                 f"the course needs Python {wanted}+: install it, then `make lab "
                 f"PYTHON=python{wanted}` or `conda env create -f environment.yml`")


def requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[Requirement]:
    """The course's runtime dependencies for this platform, read from ``pyproject.toml``.

    Parsed with ``packaging`` (bounds and environment markers, as pip reads them).

    >>> "numba" in [r.name for r in requirements()]
    True
    """
    if not isinstance(pyproject, Path):
        raise TypeError(f"pyproject must be a pathlib.Path, got {type(pyproject).__name__}")
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    parsed = [Requirement(line) for line in project["dependencies"]]
    return [r for r in parsed if r.marker is None or r.marker.evaluate()]


def package_check(requirement: Requirement) -> Check:
    """Is the package installed (``importlib.metadata``), importable, and within its bounds?

    >>> package_check(Requirement("numpy>=1.0")).verdict
    'ok'
    >>> package_check(Requirement("surely-not-installed-xyz")).verdict
    'problem'
    """
    if not isinstance(requirement, Requirement):
        raise TypeError(f"expected a packaging Requirement, got {type(requirement).__name__}")
    name = requirement.name.lower()
    fix = "run `make lab` (or `pip install -e .`, or `conda env update -f environment.yml`)"
    try:
        installed = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return Check(name, "not installed", "problem", fix)
    module = IMPORT_NAMES.get(name, name.replace("-", "_"))
    if module is not None and importlib.util.find_spec(module) is None:
        return Check(name, f"{installed}, but `import {module}` finds nothing", "problem", fix)
    wanted = str(requirement.specifier)
    if not requirement.specifier.contains(installed, prereleases=True):
        return Check(name, installed, "warning",
                     f"the course is tested with {wanted}; results may differ: {fix}")
    return Check(name, installed, "ok", f"wanted {wanted}" if wanted else "")


# ---- processes and CPUs ----

def start_method_check(timeout: float = 60.0) -> Check:
    """Start one worker process with the course's start method and get its process id back.

    The worker is ``os.getpid``, which every start method can import.
    """
    method = start_method()
    available = ", ".join(multiprocessing.get_all_start_methods())
    with ProcessPoolExecutor(1, mp_context=mp_context()) as executor:
        child = executor.submit(os.getpid).result(timeout=timeout)
    found = f"{method} (available here: {available})"
    if isinstance(child, int) and child != os.getpid():
        return Check("start method", found, "ok",
                     f"a worker process started and answered (pid {child})")
    return Check("start method", found, "problem",
                 "no worker process answered: restart the kernel and try again")


def cpu_check(facts: MachineFacts, capacity: Capacity | None = None) -> Check:
    """Compare the effective CPUs with ``os.cpu_count()``, and with what they give now.

    The count says how many workers to start; ``capacity`` (:func:`helpers.capacity.
    measure_capacity`) says how fast they can go: under a quota, beside neighbours or on a host
    that steals time, 2 CPUs may do the work of 1.3, and speedups are read against that.

    >>> from helpers.machine import collect
    >>> cpu_check(collect()).name
    'CPUs'
    """
    if not isinstance(facts, MachineFacts):
        raise TypeError(f"expected helpers.machine.MachineFacts, got {type(facts).__name__}")
    if capacity is not None and not isinstance(capacity, Capacity):
        raise TypeError(f"expected a helpers.capacity.Capacity, got {type(capacity).__name__}")
    quota = "none" if facts.cpu_quota is None else f"{facts.cpu_quota:g}"
    found = (f"effective {facts.cpus} (os.cpu_count()={facts.cpu_count}, "
             f"affinity={facts.usable_cpus}, container quota={quota})")
    differs = (" os.cpu_count() counts the whole machine; this process may use fewer"
               " (CPU affinity, or a container quota as on Binder)."
               if facts.cpus != facts.cpu_count else "")
    gives = ""
    if capacity is not None:
        found += f"; now {capacity}"
        gives = (f" Just now they gave {capacity.cpus:.2f} CPUs' worth of work: every "
                 "speedup is read against the capacity measured in its own rounds.")
    if facts.cpus >= 2 and (capacity is None or capacity.cpus >= 1.5):
        return Check("CPUs", found, "ok", "parallel speedups can show." + gives + differs)
    if facts.cpus >= 2:
        return Check("CPUs", found, "warning",
                     f"{facts.cpus} CPUs gave {capacity.cpus:.2f} CPUs' worth of work just now "
                     "(other programs, a host that steals time, or slow cores): parallel "
                     "speedups will be smaller than the count; measure again later." + differs)
    return Check("CPUs", found, "warning",
                 "with one CPU, process pools and numba parallel give no speedup: every "
                 "notebook still runs and its checks adapt, but run the ones marked 'needs "
                 "≥ 2 CPUs' on a laptop to see the effect." + gives + differs)


#: The script notebook 00 runs to learn numba's threading layer (in a fresh interpreter, so the
#: kernel never starts numba's thread pool; see notebook 15 for why that matters).
#: The probe itself is ``notebooks/scripts/00_numba_probe.py``; it prints one line of JSON.
_LAYER_ADVICE = {
    "tbb": "Intel TBB: safe with threads and with fork.",
    "omp": "OpenMP: fine on its own, but after a parallel call a fork()ed child that uses "
           "numba can abort (GNU OpenMP is not fork-safe): start process pools first, or use "
           "spawn/forkserver (notebook 15).",
    "workqueue": "numba's built-in layer: works, but two threads calling parallel functions "
                 "at once abort the process; `pip install tbb` gives a thread-safe layer.",
}


def numba_verdict(stdout: str, returncode: int | None) -> Check:
    """Read the probe's output (``notebooks/scripts/00_numba_probe.py``): does parallel numba work?

    >>> numba_verdict('{"numba": "0.61.0", "layer": "tbb", "threads": 2, "value": 499500.0}',
    ...               0).verdict
    'ok'
    >>> numba_verdict("", 1).verdict
    'problem'
    """
    if not isinstance(stdout, str):
        raise TypeError(f"stdout must be the script's output (str), got {type(stdout).__name__}")
    if returncode != 0:
        return Check("numba parallel", f"the probe failed (exit code {returncode})", "problem",
                     "read its stderr above; reinstall numba (`make lab`) and check that "
                     "numpy and numba versions match")
    try:
        found = json.loads(stdout.strip().splitlines()[-1])
        layer, value = found["layer"], found["value"]
    except (IndexError, ValueError, KeyError, TypeError):
        return Check("numba parallel", f"unreadable probe output {stdout!r}", "problem",
                     "run the probe script by hand and read its output")
    text = f"numba {found.get('numba')}, layer {layer}, {found.get('threads')} threads"
    if value != sum(range(1000)):
        return Check("numba parallel", text, "problem",
                     f"the parallel sum gave {value}, expected {sum(range(1000))}")
    advice = _LAYER_ADVICE.get(layer, "an unknown layer: read numba's threading-layer docs")
    return Check("numba parallel", text, "ok" if layer in _LAYER_ADVICE else "warning", advice)


def checks_table(checks: Sequence[Check]) -> str:
    """Render checks as an HTML table (what, found, verdict, what to do).

    >>> "✔ ok" in checks_table([Check("Python", "3.12.1", "ok")])
    True
    """
    if not checks or not all(isinstance(c, Check) for c in checks):
        raise TypeError("checks must be a non-empty sequence of Check")
    rows = "".join(
        f"<tr><td>{html.escape(c.name)}</td><td>{html.escape(c.found)}</td>"
        f"<td>{_MARKS[c.verdict]}</td><td style='text-align:left'>{html.escape(c.advice)}</td>"
        "</tr>" for c in checks)
    return ("<table><thead><tr><th>check</th><th>found</th><th>verdict</th>"
            f"<th>what it means / what to do</th></tr></thead><tbody>{rows}</tbody></table>")


# ---- the course map ----

def notebook_table(infos: Sequence[NotebookInfo]) -> str:
    """A Markdown table of the notebooks, from their own titles and metadata."""
    if not all(isinstance(nb, NotebookInfo) for nb in infos):
        raise TypeError("infos must be NotebookInfo objects "
                        "(helpers.course.collection.notebooks())")
    rows = ["| # | Notebook | What you learn | Read | Run (2 CPUs) | Needs ≥ 2 CPUs |",
            "|---|---|---|---|---|---|"]
    rows += [f"| {nb.number} | [{nb.title}]({nb.path.name}) | {nb.summary} | "
             f"{nb.minutes_read} min | ~{nb.seconds_run} s | "
             f"{'yes' if nb.needs_two_cpus else 'no'} |" for nb in infos]
    rows.append(f"| | **all {len(infos)}** | | **{sum(nb.minutes_read for nb in infos)} min** "
                f"| **~{sum(nb.seconds_run for nb in infos)} s** | |")
    return "\n".join(rows)


@dataclass(frozen=True)
class PathPlan:
    """A suggested path through the course, measured against the notebooks that exist."""

    name: str
    present: tuple[str, ...]
    missing: tuple[str, ...]
    minutes_read: int
    seconds_run: int


def plan_path(name: str, numbers: Sequence[str], infos: Sequence[NotebookInfo]) -> PathPlan:
    """Sum reading and running times over the notebooks of a path that exist in this copy."""
    if not isinstance(name, str) or not name:
        raise TypeError("name must be a non-empty str")
    if not all(isinstance(n, str) and re.fullmatch(r"\d\d", n) for n in numbers):
        raise ValueError(f"numbers must be two-digit strings like '01', got {numbers!r}")
    by_number = {nb.number: nb for nb in infos}
    present = tuple(n for n in numbers if n in by_number)
    return PathPlan(
        name, present, tuple(n for n in numbers if n not in by_number),
        sum(by_number[n].minutes_read for n in present),
        sum(by_number[n].seconds_run for n in present))


def paths_table(plans: Sequence[PathPlan], infos: Sequence[NotebookInfo]) -> str:
    """A Markdown table of suggested paths with their reading and running times."""
    titles = {nb.number: nb.title for nb in infos}
    rows = ["| Path | Notebooks | Reading | Running | Not in this copy yet |",
            "|---|---|---|---|---|"]
    for plan in plans:
        names = ", ".join(f"{n} {titles[n]}" for n in plan.present)
        rows.append(f"| {plan.name} | {names} | {plan.minutes_read} min | "
                    f"~{plan.seconds_run} s | {', '.join(plan.missing) or '-'} |")
    return "\n".join(rows)


def verdict_counts(checks: Sequence[Check]) -> Mapping[str, int]:
    """How many checks got each verdict.

    >>> verdict_counts([Check("a", "x", "ok"), Check("b", "y", "warning")])["ok"]
    1
    """
    if not all(isinstance(c, Check) for c in checks):
        raise TypeError("checks must be Check objects")
    return {v: sum(c.verdict == v for c in checks) for v in VERDICTS}

