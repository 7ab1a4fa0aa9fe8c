"""Facts about the machine a notebook runs on: CPUs, start method, interpreter.

Every measurement in the course is read against these facts, so each notebook's setup cell
calls :func:`report`.

>>> effective_cpus() >= 1
True
>>> mp_context().get_start_method() in {"fork", "spawn", "forkserver"}
True
"""

from __future__ import annotations

import math
import multiprocessing
import os
import platform
import sys
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from pathlib import Path

import psutil

START_METHOD_VARIABLE = "MP_START_METHOD"
_CGROUP_ROOT = Path("/sys/fs/cgroup")


def _own_groups(proc_cgroup: Path) -> dict[str, str]:
    """This process's cgroup path per hierarchy: ``{"": "/a/b"}`` for v2, ``{"cpu": …}`` for v1."""
    groups = {}
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return groups
    for line in lines:
        _, controllers, path = [*line.split(":", 2), "", ""][:3]
        for controller in controllers.split(","):
            groups.setdefault(controller, path or "/")
    return groups


def _up_to_root(root: Path, path: str) -> list[Path]:
    """``root/a/b``, ``root/a``, ``root``: a quota anywhere above a group limits it too."""
    parts = [part for part in path.split("/") if part and part != ".."]
    return [root.joinpath(*parts[:depth]) for depth in range(len(parts), -1, -1)]


def _v2_quota(folder: Path) -> float | None:
    quota, period = (folder / "cpu.max").read_text().split()[:2]
    return None if quota == "max" else _ratio(int(quota), int(period))


def _v1_quota(folder: Path) -> float | None:
    quota_us = int((folder / "cpu.cfs_quota_us").read_text())
    return _ratio(quota_us, int((folder / "cpu.cfs_period_us").read_text()))


def cpu_quota(cgroup_root: Path = _CGROUP_ROOT,
              proc_cgroup: Path = Path("/proc/self/cgroup")) -> float | None:
    """Return the container's CPU quota in CPUs (``1.5`` = one and a half), or ``None``.

    Reads this process's own cgroup (from ``/proc/self/cgroup``) and every group above it:
    cgroup v2 ``cpu.max``, else cgroup v1 ``cpu.cfs_quota_us``; the smallest quota wins.
    ``None`` means no quota is set or none is readable (macOS, Windows, bare Linux).

    >>> quota = cpu_quota()
    >>> quota is None or quota > 0
    True
    """
    if not isinstance(cgroup_root, Path) or not isinstance(proc_cgroup, Path):
        raise TypeError("cgroup_root and proc_cgroup must be pathlib.Path objects, got "
                        f"{type(cgroup_root).__name__} and {type(proc_cgroup).__name__}")
    groups = _own_groups(proc_cgroup)
    v1_root = next((cgroup_root / name for name in ("cpu", "cpu,cpuacct")
                    if (cgroup_root / name).is_dir()), cgroup_root / "cpu")
    for reader, folders in (
            (_v2_quota, _up_to_root(cgroup_root, groups.get("", "/"))),
            (_v1_quota, _up_to_root(v1_root, groups.get("cpu", "/")))):
        quotas = []
        for folder in folders:
            try:
                quotas.append(reader(folder))
            except (OSError, ValueError):
                continue
        if quotas:  # this hierarchy answered: its smallest quota, or None for "no limit"
            return min((q for q in quotas if q is not None), default=None)
    return None


def _ratio(quota: int, period: int) -> float | None:
    """A quota in CPUs; ``None`` for the "no limit" (-1) and nonsensical values."""
    return quota / period if quota > 0 and period > 0 else None


def usable_cpus() -> int:
    """Return how many CPUs this process may use: its CPU affinity.

    From Python 3.13 that is ``os.process_cpu_count()`` (the affinity, overridden by
    ``PYTHON_CPU_COUNT`` or ``-X cpu_count``), which is also what the default pools use from
    3.13. Before 3.13 this reads the affinity through psutil, while the default pools
    (``Pool()``, ``ProcessPoolExecutor()``, ``ThreadPoolExecutor()``) counted
    ``os.cpu_count()``, which ignores affinity. Where the platform cannot tell (macOS has no
    affinity API), ``os.cpu_count()``.

    >>> 1 <= usable_cpus() <= (os.cpu_count() or 1)
    True
    """
    process_cpu_count = getattr(os, "process_cpu_count", None)
    if process_cpu_count is not None:
        return process_cpu_count() or 1
    try:
        return len(psutil.Process().cpu_affinity()) or 1
    except (AttributeError, psutil.Error):
        return os.cpu_count() or 1


def effective_cpus() -> int:
    """Return how many busy workers this process can keep running: affinity, capped by a quota.

    A pool size: a fractional quota is rounded *up*, because 2 busy workers spend a 1.5-CPU
    quota (each 100 ms period both run until 150 ms of CPU time is used) where 1 worker gets
    only 1 CPU. It is not the speed they reach: read speedups against the capacity measured in
    the same rounds (:mod:`helpers.capacity`), which :func:`cpu_limit` bounds over long windows.
    ``os.cpu_count()`` counts the machine's CPUs; neither it nor ``os.process_cpu_count()``
    honours a container quota (Docker ``--cpus``, Kubernetes limits, Binder).

    >>> effective_cpus() <= usable_cpus()
    True
    """
    quota = cpu_quota()
    cpus = usable_cpus()
    return cpus if quota is None else min(cpus, max(1, math.ceil(quota)))


def cpu_limit() -> float:
    """Return the CPUs' worth of work this process may get over a long window, as a fraction.

    The affinity, capped by the quota *not* rounded (a 1.5-CPU quota gives 1.5). A window
    shorter than a few 100 ms periods can see more (a quota lets threads burst on every CPU
    until it is spent); a shared machine usually gives less, which only a measurement shows
    (:func:`helpers.capacity.measure_capacity`).

    >>> 0 < cpu_limit() <= effective_cpus()
    True
    """
    quota = cpu_quota()
    cpus = float(usable_cpus())
    return cpus if quota is None else min(cpus, quota)


def start_method() -> str:
    """Return the start method the course uses: ``$MP_START_METHOD`` if set, else the platform's.

    >>> start_method() in multiprocessing.get_all_start_methods()
    True
    """
    wanted = os.environ.get(START_METHOD_VARIABLE, "").strip()
    if not wanted:
        return multiprocessing.get_start_method()
    available = multiprocessing.get_all_start_methods()
    if wanted not in available:
        raise ValueError(
            f"{START_METHOD_VARIABLE}={wanted!r} is not a start method on this platform; "
            f"expected one of {available}"
        )
    return wanted


def mp_context() -> BaseContext:
    """Return a multiprocessing context for :func:`start_method`.

    Use it instead of ``multiprocessing.set_start_method``, which may be called only once per
    process: ``mp_context().Pool(2)``, ``ProcessPoolExecutor(mp_context=mp_context())``.

    >>> ctx = mp_context()
    >>> ctx.get_start_method() == start_method()
    True
    """
    return multiprocessing.get_context(start_method())


def gil_enabled() -> bool:
    """Return whether this interpreter runs with the GIL (always ``True`` before 3.13).

    Free-threaded builds (``python3.13t``, ``python3.14t``) have ``sys._is_gil_enabled()``.

    >>> isinstance(gil_enabled(), bool)
    True
    """
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return True if is_enabled is None else bool(is_enabled())


@dataclass(frozen=True)
class MachineFacts:
    """What :func:`report` found; notebooks read ``facts.cpus`` and friends from it."""

    python: str
    implementation: str
    system: str
    gil_enabled: bool
    cpu_count: int
    usable_cpus: int
    cpu_quota: float | None
    cpus: int
    start_method: str
    numba_threading_layer: str | None = None


def _numba_threading_layer() -> str:
    """The layer numba loaded, or its setting while no parallel code has run yet.

    Asking never starts the layer: ``numba.threading_layer()`` raises until one is loaded.
    """
    try:
        import numba  # optional: only the notebooks that use numba ask for it
    except ImportError:
        return "numba not installed"
    try:
        return numba.threading_layer()
    except ValueError:
        return f"not loaded yet (setting: {numba.config.THREADING_LAYER})"


def collect(numba: bool = False) -> MachineFacts:
    """Return the machine facts without printing them.

    >>> collect().cpus == effective_cpus()
    True
    """
    if not isinstance(numba, bool):
        raise TypeError(f"numba must be True or False, got {numba!r}")
    return MachineFacts(
        python=platform.python_version(),
        implementation=platform.python_implementation(),
        system=f"{platform.system()} {platform.machine()}",
        gil_enabled=gil_enabled(),
        cpu_count=os.cpu_count() or 1,
        usable_cpus=usable_cpus(),
        cpu_quota=cpu_quota(),
        cpus=effective_cpus(),
        start_method=start_method(),
        numba_threading_layer=_numba_threading_layer() if numba else None,
    )


def report(numba: bool = False) -> MachineFacts:
    """Print the facts every measurement depends on, and return them.

    >>> facts = report()  # doctest: +ELLIPSIS
    Python ...
    >>> facts.cpus >= 1
    True
    """
    facts = collect(numba=numba)
    quota = "none" if facts.cpu_quota is None else f"{facts.cpu_quota:g} CPUs"
    lines = [
        f"Python {facts.python} ({facts.implementation}) on {facts.system}",
        f"GIL: {'enabled' if facts.gil_enabled else 'disabled (free-threaded build)'}",
        f"CPUs: os.cpu_count()={facts.cpu_count}, usable (affinity)={facts.usable_cpus}, "
        f"container quota={quota} -> effective CPUs = {facts.cpus}",
        f"multiprocessing start method: {facts.start_method}"
        + (f" (from ${START_METHOD_VARIABLE})" if os.environ.get(START_METHOD_VARIABLE) else ""),
    ]
    if facts.cpu_quota is not None:
        lines.insert(3, (
            f"  a quota is CPU time, not CPUs: each 100 ms period the threads may run on up to "
            f"{facts.usable_cpus} CPUs at once until {facts.cpu_quota:g} CPU's worth is spent, "
            "then wait; short measurements see bursts, long ones the quota (OpenBLAS and "
            "os.cpu_count() ignore it)"))
        lines.insert(4, (
            f"  {facts.cpus} busy worker(s) can spend it, yet together they get at most "
            f"{cpu_limit():g} CPUs' worth of work (cpu_limit()): read speedups "
            "against the capacity measured (helpers.capacity)"))
    if facts.numba_threading_layer is not None:
        lines.append(f"numba threading layer: {facts.numba_threading_layer}")
    print("\n".join(lines))
    return facts
