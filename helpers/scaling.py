"""Beyond one machine (notebook 14): launch MPI programs, and the tasks Dask and pools run.

The notebook's cells hold the Dask and pool code and ``notebooks/scripts/14_*.py`` the mpi4py
programs; this module keeps what a worker must import (``noop``, ``spin``), the launcher that
puts ``mpiexec`` under a timeout, and the exercises' references.

>>> noop(7)
7
>>> block(1, 3, 10)
(4, 7)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from helpers import validate
from helpers.scripts import GroupResult, run_group

__all__ = ["ENGINE_WHY", "SCENARIOS", "block", "find_mpiexec", "mpi_processes", "noop",
           "run_mpi", "spin"]


# ---- MPI ----

def find_mpiexec() -> Path:
    """The ``mpiexec`` next to this Python (the ``mpich`` wheel, conda), else the one on PATH.

    Raises ``FileNotFoundError`` saying how to install one when there is none.
    """
    folder = Path(sys.executable).parent
    for name in ("mpiexec", "mpiexec.exe"):
        if (folder / name).exists():
            return folder / name
    found = shutil.which("mpiexec")
    if found:
        return Path(found)
    raise FileNotFoundError(
        f"no mpiexec next to {sys.executable} nor on PATH: install an MPI, e.g. "
        "`pip install mpich mpi4py` (Linux, macOS) or `conda install -c conda-forge mpich "
        "mpi4py`; on Windows install Microsoft MPI")


#: In the path of every script run_mpi runs, so leftover ranks can be found by command line.
MPI_MARKER = "course-mpi-"


def run_mpi(script: Path | str, *, ranks: int = 2, timeout: float = 30.0,
            args: tuple[str, ...] = ()) -> GroupResult:
    """Run ``mpiexec -n ranks python script args`` with a timeout that kills every rank.

    ``script`` is a file (``notebooks/scripts/14_*.py``) or a one-line program's text. It is
    copied into a scratch folder whose name marks the ranks (:func:`mpi_processes`).
    """
    if isinstance(script, Path):
        if not script.is_file():
            raise FileNotFoundError(f"no script at {script} (scripts live in notebooks/scripts/)")
        script = script.read_text(encoding="utf-8")
    if not isinstance(script, str):
        raise TypeError(f"script must be a Path or a program's text, got {type(script).__name__}")
    ranks = validate.whole_number("ranks", ranks, minimum=1)
    timeout = validate.number("timeout", timeout, positive=True)
    with tempfile.TemporaryDirectory(prefix=MPI_MARKER) as folder:
        path = Path(folder) / "script.py"
        path.write_text(textwrap.dedent(script), encoding="utf-8")
        return run_group([str(find_mpiexec()), "-n", str(ranks), sys.executable, str(path),
                          *args], timeout=timeout, cwd=folder)


def mpi_processes() -> list[Any]:
    """Live processes of a :func:`run_mpi` run (``mpiexec``, its proxies, ranks); not zombies."""
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


# ---- what workers run ----

def noop(x: Any) -> Any:
    """Return ``x``: a task that costs nothing, so all its time is overhead."""
    return x


def spin(task: tuple[int, float]) -> tuple[int, float]:
    """Keep a CPU busy for ``seconds`` of this worker's CPU time; return (task, CPU seconds)."""
    number, seconds = task
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
    return number, time.process_time() - start


# ---- exercises: references and the cases' answers ----

def block(rank: int, size: int, n_tasks: int) -> tuple[int, int]:
    """Exercise 1's reference: rank's contiguous block ``[start, stop)`` of ``n_tasks`` tasks.

    The first ``n_tasks % size`` ranks take one task more, so loads differ by at most one.
    """
    base, extra = divmod(n_tasks, size)
    start = rank * base + min(rank, extra)
    return start, start + base + (rank < extra)


#: Exercise 2: the engine that fits each scenario best, and why.
SCENARIOS = {
    "a 3-minute analysis of 500 files on your laptop": "process pool",
    "a climate model on 2 048 cores exchanging boundary values every time step": "mpi",
    "20 000 independent model fits on a shared cluster, driven from a notebook": "dask",
    "a pandas-like group-by on a table larger than one machine's memory": "dask",
    "100 000 tasks of 50 µs each, on one 8-core workstation": "process pool",
}
ENGINE_WHY = {
    "a 3-minute analysis of 500 files on your laptop":
        "one machine: a pool starts in a fraction of a second, a cluster in seconds",
    "a climate model on 2 048 cores exchanging boundary values every time step":
        "tightly coupled ranks exchanging messages every step is what MPI is built for",
    "20 000 independent model fits on a shared cluster, driven from a notebook":
        "many independent tasks on a cluster, scheduled dynamically from Python",
    "a pandas-like group-by on a table larger than one machine's memory":
        "dask.dataframe partitions the table over the workers' memory",
    "100 000 tasks of 50 µs each, on one 8-core workstation":
        "one machine, and a Dask task costs about a millisecond even pipelined, 20x the task: "
        "batch them into pool.map chunks",
}
