"""Beyond one machine (notebook 14): launch MPI programs under a timeout, and find their ranks.

The notebook's cells hold the Dask and pool code and ``notebooks/scripts/14_*.py`` the mpi4py
programs; what a worker must import is in :mod:`helpers.scaling_out.workers`, the exercises'
references in :mod:`helpers.scaling_out.answers`.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from helpers import validate
from helpers.scripts import GroupResult, run_group


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
