"""What notebook 01 (profiling) needs outside its cells, in the parent: a profile in a kernel
that no other thread can garble, py-spy run from outside with a timeout and a clear message
when it cannot attach, and the call stacks a sampler or a profiler records, as one shape the
flame graph reads (the pool's workers are in :mod:`helpers.profiling.workers`).

A *stack* is a tuple of frame names, outermost first; ``{stack: weight}`` is the
"collapsed stacks" form of py-spy's ``--format raw`` (weights are samples) and of
:func:`stacks_from_pyinstrument` (weights are seconds).

>>> stacks = collapsed_stacks("main (a.py:3);hot (a.py:9) 30\\nmain (a.py:3) 10\\n")
>>> stacks
{('main', 'hot'): 30, ('main',): 10}
>>> share_of(stacks, "hot")
0.75
"""

from __future__ import annotations

import os
import pstats
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from helpers.scripts import PLAIN_OUTPUT, kill_group, new_process_group
from helpers.validate import number, whole_number

Stacks = dict[tuple[str, ...], float]

#: What py-spy prints when the kernel refuses to let it read another process's memory.
_NO_PERMISSION = re.compile(r"permission denied|operation not permitted|ptrace|EPERM|root",
                            re.IGNORECASE)
#: py-spy's raw frame: ``function (file.py:line)``; with ``--threads`` each stack starts with
#: ``thread (id): name`` (or ``thread (id)`` before the thread has a name).
_FRAME = re.compile(r"^(?P<name>.*?) \((?P<where>[^()]*)\)$")
_THREAD = re.compile(r"^thread \((?P<id>[^()]*)\)(?:: (?P<name>.*))?$")

PTRACE_ADVICE = (
    "py-spy reads another process's memory, which needs ptrace permission. To give it:\n"
    "  - run py-spy as the same user as the program, and let py-spy start it "
    "(`py-spy record -- python script.py`, as here; add `--subprocesses` for its children);\n"
    "  - on Linux, /proc/sys/kernel/yama/ptrace_scope 1 allows that, 0 also allows attaching "
    "with `--pid` (`sudo sysctl kernel.yama.ptrace_scope=1`); or run py-spy with `sudo`;\n"
    "  - in a Docker container, start it with `--cap-add SYS_PTRACE` "
    "(Kubernetes: securityContext capabilities add SYS_PTRACE);\n"
    "  - on macOS py-spy always needs `sudo`."
)


def call_edges(stats: pstats.Stats, into_file: str | None = None) -> set[tuple[str, str]]:
    """Every ``(caller, callee)`` pair of function names a profile recorded; with ``into_file``,
    only the calls into functions defined in that file (names such as ``<listcomp>`` recur).

    A profile another thread garbled shows pairs the program cannot make (``select`` calling
    one of its functions, a function calling itself), so comparing the pairs tells it apart.
    """
    if not isinstance(stats, pstats.Stats):
        raise TypeError(f"stats must be a pstats.Stats, got {type(stats).__name__}")
    if into_file is not None and not isinstance(into_file, str):
        raise TypeError(f"into_file must be a file name (str), got {type(into_file).__name__}")
    return {(caller[2], callee[2]) for callee, (*_, callers) in stats.stats.items()
            if into_file is None or callee[0] == into_file for caller in callers}


def collapsed_stacks(text: str, *, threads: bool = False) -> Stacks:
    """Parse py-spy's ``--format raw`` output (``frame;frame;frame count`` per line).

    Frames keep only the function name; ``threads=True`` keeps py-spy's ``thread (0x…)``
    root frames (recorded with ``--threads``), else they are dropped.

    >>> collapsed_stacks("thread (7): MainThread;main (a.py:1) 4", threads=True)
    {('thread MainThread', 'main'): 4}
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be py-spy's raw output (str), got {type(text).__name__}")
    stacks: Stacks = {}
    for line in text.splitlines():
        frames, _, count = line.strip().rpartition(" ")
        if not frames or not count.isdigit():
            continue
        names = []
        for frame in frames.split(";"):
            thread = _THREAD.match(frame)
            if thread:
                if threads:
                    names.append(f"thread {thread['name'] or thread['id']}")
                continue
            match = _FRAME.match(frame)
            names.append(match["name"] if match else frame)
        key = tuple(names)
        stacks[key] = stacks.get(key, 0) + int(count)
    return stacks


def share_of(stacks: Mapping[tuple[str, ...], float], name: str) -> float:
    """The fraction of all weight whose stack passes through a frame called ``name``."""
    total = sum(stacks.values())
    if total <= 0:
        return 0.0
    return sum(weight for stack, weight in stacks.items() if name in stack) / total


def stacks_from_pyinstrument(frame: object, prefix: tuple[str, ...] = ()) -> Stacks:
    """Collapse a pyinstrument frame tree (``session.root_frame()``) into seconds per stack.

    Each frame's own time (its time less its children's) goes to its stack, so the weights
    add up to the root's time, as py-spy's samples add up to the run.
    """
    stack = (*prefix, frame.function)
    children = [child for child in frame.children if child.function != "[self]"]
    stacks: Stacks = {}
    own = frame.time - sum(child.time for child in children)
    if own > 0:
        stacks[stack] = own
    for child in children:
        for key, seconds in stacks_from_pyinstrument(child, stack).items():
            stacks[key] = stacks.get(key, 0.0) + seconds
    return stacks


@dataclass(frozen=True)
class SpyRun:
    """One py-spy recording: its stacks, or why there are none (``message``)."""

    stacks: Stacks = field(default_factory=dict)
    message: str = ""
    command: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return bool(self.stacks) and not self.message


#: Names another py-spy, e.g. a stand-in that fails, to run the notebook's no-permission path.
PY_SPY_VARIABLE = "COURSE_PY_SPY"


def py_spy_executable() -> str | None:
    """``$COURSE_PY_SPY`` if set; py-spy next to this interpreter (a venv's ``bin``), else on
    ``PATH``; else None."""
    if os.environ.get(PY_SPY_VARIABLE):
        return os.environ[PY_SPY_VARIABLE]
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.is_file() else shutil.which("py-spy")


def record(script: Path, output: Path, *, options: Sequence[str] = (), rate: int = 200,
           timeout: float = 30.0, executable: str | None = None) -> SpyRun:
    """``py-spy record --format raw`` a fresh ``python script``, killed after ``timeout`` s.

    Returns the collapsed stacks, or a message that says what went wrong and what to do
    (:data:`PTRACE_ADVICE`) when py-spy is missing or may not read the process.
    """
    if not isinstance(script, Path) or not script.is_file():
        raise FileNotFoundError(f"no script at {script!r} (pass a pathlib.Path)")
    whole_number("rate", rate, minimum=1)
    number("timeout", timeout, positive=True)
    spy = executable or py_spy_executable()
    if spy is None:
        return SpyRun(message="py-spy is not installed here: `pip install py-spy` "
                              "(or `conda install -c conda-forge py-spy`).")
    command = (spy, "record", "--format", "raw", "--output", str(output), "--rate", str(rate),
               "--nonblocking", *options, "--", sys.executable, str(script))
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True,
                               env={**os.environ, **PLAIN_OUTPUT}, **new_process_group())
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process)  # py-spy and the program it started
        process.communicate(timeout=10)
        return SpyRun(message=f"py-spy was stopped after {timeout:g} s", command=command)
    said = (stdout + stderr).strip()
    if process.returncode != 0 or not output.is_file():
        advice = f"\n{PTRACE_ADVICE}" if _NO_PERMISSION.search(said) else ""
        return SpyRun(message=f"py-spy failed (exit code {process.returncode}): "
                              f"{said[-600:]}{advice}", command=command)
    return SpyRun(stacks=collapsed_stacks(output.read_text(encoding="utf-8"),
                                          threads="--threads" in options), command=command)
