"""Notebook validation rules on top of nbval.

- A cell that writes to stderr (a warning, a traceback from a worker) fails, unless the cell is
  tagged ``expect-stderr`` because showing that output is its point.
- After each notebook, from outside its kernel: no child process, shared-memory block or
  non-daemon thread may be left behind, and the notebook must stay within its budget (60 s on
  2 CPUs; 1.5 GiB for the kernel and all its children together, sampled while it runs, since
  Binder's 2 GB limit covers the whole session). Each notebook's figures go to
  ``build/notebook_report.md``, printed at the end of the run.
- With ``COURSE_STATIC_SITE`` set (the kernels inherit it: explorers draw plain figures), each
  notebook whose cells all passed is written, with the outputs nbval received, to
  ``build/executed/``: the website's copy, which ``make site`` then renders without running it.
"""

from __future__ import annotations

import ast
import copy
import os
import platform
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from helpers import claims
from helpers.course import ci_legs
from helpers.course.collection import write_site_copy
from helpers.explorer import STATIC_SITE_VARIABLE
from helpers.machine import effective_cpus, start_method

ALLOW_STDERR_TAG = "expect-stderr"
BUDGET_SECONDS_ON_2_CPUS = float(os.environ.get("COURSE_BUDGET_SECONDS", "60"))
# 1.5 GiB: Binder's 2 GB, less the Jupyter server's share.
BUDGET_BYTES = int(float(os.environ.get("COURSE_BUDGET_MIB", "1536")) * 2**20)
MEMORY_SAMPLE_SECONDS = 0.25
REPORT = Path(__file__).parent / "build" / "notebook_report.md"
SITE_COPIES = REPORT.parent / "executed"  # the website's copies (tools/build_site.py)
SHM = Path("/dev/shm")
# Processes multiprocessing keeps for the kernel's whole life once used: not leftovers.
SERVICE_MARKERS = ("multiprocessing.forkserver", "multiprocessing.resource_tracker")
# Non-daemon threads still alive, except the kernel event loop's default executor ("asyncio_N",
# used by asyncio.to_thread), which belongs to the kernel and is reused, not to the notebook.
NON_DAEMON_THREADS = (
    "[t.name for t in __import__('threading').enumerate() if not t.daemon"
    " and t is not __import__('threading').main_thread() and not t.name.startswith('asyncio_')]"
)


def _stderr_text(item: pytest.Item) -> str:
    outputs = getattr(item, "test_outputs", None) or []
    return "".join(out.get("text", "") for out in outputs
                   if out.get("output_type") == "stream" and out.get("name") == "stderr")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not hasattr(item, "cell"):
        return
    tags = item.cell.get("metadata", {}).get("tags", [])
    stderr = _stderr_text(item)
    if report.passed and stderr and ALLOW_STDERR_TAG not in tags:
        report.outcome = "failed"
        report.longrepr = (
            f"cell {item.name} wrote to stderr (tag the cell '{ALLOW_STDERR_TAG}' if that "
            f"output is what it demonstrates):\n{stderr}"
        )
    run = _runs.get(item.parent.nodeid)
    if run is not None:  # for the website's copy
        run.cells_failed |= report.failed
        ran = item.test_outputs is not None
        run.outputs[item.cell_num] = (item.test_outputs or [],
                                      _execution_count(item, run) if ran else None)


@dataclass
class NotebookRun:
    """What one notebook did, measured from outside its kernel."""

    name: str
    started: float = field(default_factory=time.monotonic)
    shm_before: set[str] = field(default_factory=set)
    seconds: float = 0.0
    peak_bytes: int = 0
    problems: list[str] = field(default_factory=list)
    memory: TreeMemory | None = None
    outputs: dict[int, tuple[list, int | None]] = field(default_factory=dict)  # by code cell
    cells_failed: bool = False


class TreeMemory:
    """Samples the memory of a kernel and all its descendants together; keeps the peak.

    Proportional set size (PSS) where Linux gives it, so pages a forked child shares with the
    kernel count once, as the container's memory limit counts them; resident size elsewhere.
    """

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-memory", daemon=True)
        self._thread.start()

    @staticmethod
    def _size(process: psutil.Process) -> int:
        try:
            info = process.memory_full_info()
            return getattr(info, "pss", info.rss)
        except (psutil.AccessDenied, psutil.ZombieProcess):
            return process.memory_info().rss
        except psutil.NoSuchProcess:
            return 0

    def sample(self) -> None:
        try:
            tree = [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        total = 0
        for process in tree:
            try:
                total += self._size(process)
            except psutil.Error:
                continue
        self.peak = max(self.peak, total)

    def _run(self) -> None:
        while not self._stop.wait(MEMORY_SAMPLE_SECONDS):
            self.sample()

    def stop(self) -> int:
        self._stop.set()
        self._thread.join(timeout=5)
        return self.peak


_runs: dict[str, NotebookRun] = {}
_SESSION_STARTED = time.monotonic()
# Under the tests a speed claim that misses all its tries raises (a learner's kernel shows a ⚠
# and goes on), and every evaluation lands in the claims ledger (make claims). Kernels inherit.
os.environ.setdefault(claims.STRICT_VARIABLE, "1")
os.environ.setdefault(claims.LEDGER_VARIABLE, str(REPORT.parent / "ci" / "claims.jsonl"))


def _execution_count(item: pytest.Item, run: NotebookRun) -> int | None:
    """The cell's number in run order, none for a blank cell, as a fresh kernel in JupyterLab
    numbers them (nbval runs cells without storing history, so its kernel counts nothing)."""
    if not item.cell.source.strip():
        return None
    return 1 + sum(count is not None for _, count in run.outputs.values())


def site_copy(notebook: dict, outputs: dict[int, tuple[list, int | None]]) -> dict:
    """The notebook as nbval ran it: each code cell with its outputs and execution count."""
    executed = copy.deepcopy(notebook)
    code = [cell for cell in executed["cells"] if cell["cell_type"] == "code"]
    for number, cell in enumerate(code):
        received, count = copy.deepcopy(outputs.get(number, ([], None)))
        for output in received:
            if output["output_type"] == "execute_result":
                output["execution_count"] = count
        cell["outputs"], cell["execution_count"] = received, count
    return executed


def _kernel_pid(item: pytest.Item) -> int | None:
    kernel = getattr(item.parent, "kernel", None)
    provisioner = getattr(getattr(kernel, "km", None), "provisioner", None)
    return getattr(provisioner, "pid", None)


def _shared_memory() -> set[str]:
    """Blocks made by multiprocessing.shared_memory (named psm_* on POSIX)."""
    return {p.name for p in SHM.glob("psm_*")} if SHM.is_dir() else set()


def _high_water_mark(process: psutil.Process) -> int:
    """The kernel's own peak resident memory (Linux VmHWM): a floor for the tree's peak."""
    try:
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _leftover_children(process: psutil.Process) -> list[str]:
    """Children of the kernel still alive after a grace period, except multiprocessing's own."""
    deadline = time.monotonic() + 5  # pools and executors reap their workers asynchronously
    while True:
        left = []
        for child in process.children(recursive=True):
            try:
                command = " ".join(child.cmdline())
                if child.status() != psutil.STATUS_ZOMBIE and not any(
                        marker in command for marker in SERVICE_MARKERS):
                    left.append(f"pid {child.pid}: {command[:120]}")
            except psutil.NoSuchProcess:
                continue
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.25)


def _non_daemon_threads(item: pytest.Item) -> list[str]:
    client = item.parent.kernel.kc
    reply = client.execute_interactive("", user_expressions={"threads": NON_DAEMON_THREADS},
                                       timeout=30, output_hook=lambda message: None)
    found = reply["content"]["user_expressions"]["threads"]
    return ast.literal_eval(found["data"]["text/plain"]) if found["status"] == "ok" else [
        str(found)]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """At a notebook's first cell, before nbval starts its kernel: name it for the ledger."""
    if hasattr(item, "cell") and item.parent.nodeid not in _runs:
        name = Path(str(item.parent.path)).name
        os.environ[claims.NOTEBOOK_VARIABLE] = name
        _runs[item.parent.nodeid] = NotebookRun(name, shm_before=_shared_memory())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """Start sampling the kernel tree's memory once the kernel exists (at the first cell)."""
    run = _runs.get(getattr(item.parent, "nodeid", None))
    pid = _kernel_pid(item) if run is not None else None
    if run is not None and run.memory is None and pid is not None:
        run.memory = TreeMemory(pid)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """After a notebook's last cell, check what it left behind and what it cost.

    The checks run while the kernel is still alive; the failure is raised only after pytest has
    torn the notebook down (stopping its kernel), so the next notebook starts clean.
    """
    last_cell = hasattr(item, "cell") and (nextitem is None or nextitem.parent is not item.parent)
    run = _inspect(item) if last_cell else None
    result = yield
    if run is not None and os.environ.get(STATIC_SITE_VARIABLE) and not run.cells_failed:
        write_site_copy(site_copy(item.parent.nb, run.outputs), SITE_COPIES / run.name)
    if run is not None and run.problems:
        raise AssertionError(f"{run.name}:\n  " + "\n  ".join(run.problems))
    return result


def _inspect(item: pytest.Item) -> NotebookRun:
    run = _runs[item.parent.nodeid]
    run.seconds = time.monotonic() - run.started
    pid = _kernel_pid(item)
    if pid is None or not item.parent.kernel.is_alive():
        return run  # the kernel died: the failing cell already says so
    kernel = psutil.Process(pid)
    if run.memory is not None:
        run.memory.sample()
        run.peak_bytes = run.memory.stop()
    run.peak_bytes = max(run.peak_bytes, _high_water_mark(kernel))  # spikes between samples
    run.problems += [f"child process left running: {c}" for c in _leftover_children(kernel)]
    run.problems += [f"shared-memory block left: {name}"
                     for name in sorted(_shared_memory() - run.shm_before)]
    run.problems += [f"non-daemon thread left running: {name}"
                     for name in _non_daemon_threads(item)]
    budget = BUDGET_SECONDS_ON_2_CPUS * max(1.0, 2 / effective_cpus())
    if run.seconds > budget:
        run.problems.append(f"ran {run.seconds:.0f} s, over its budget of {budget:.0f} s")
    if run.peak_bytes > BUDGET_BYTES:
        run.problems.append(f"kernel and children peaked at {run.peak_bytes / 2**20:.0f} MiB, "
                            f"over its budget of {BUDGET_BYTES / 2**20:.0f} MiB")
    return run


def pytest_terminal_summary(terminalreporter) -> None:
    if not _runs:
        return
    heading = (f"## Python {platform.python_version()}, start method {start_method()}, "
               f"{effective_cpus()} effective CPU(s)")
    rows = ["| notebook | seconds | peak MiB (kernel + children) | verdict |",
            "|---|---|---|---|"]
    rows += [f"| {run.name} | {run.seconds:.1f} | {run.peak_bytes / 2**20:.0f} | "
             f"{'; '.join(run.problems) or 'ok'} |" for run in _runs.values()]
    section = "\n".join([heading, "", *rows, ""])
    REPORT.parent.mkdir(exist_ok=True)
    with REPORT.open("a", encoding="utf-8") as report:
        report.write(section + "\n")
    terminalreporter.write_sep("-", f"notebook report (also in {REPORT.relative_to(Path.cwd())})"
                               if REPORT.is_relative_to(Path.cwd()) else "notebook report")
    terminalreporter.write_line(section)
    ci_legs.record("nbval", notebooks=len(_runs), seconds=time.monotonic() - _SESSION_STARTED,
                   notebook_seconds=sum(run.seconds for run in _runs.values()))


