"""Programs to run, and running one with a timeout that kills its whole process group.

Notebook 13 runs small Python programs (``python -c ...``) as its "external commands", so it
behaves the same on Linux, macOS and Windows; the subprocess calls it teaches are written in
its cells. :func:`run_group` is the course's one safe runner (notebook 14 starts ``mpiexec``
with it). Nothing here uses a shell.

>>> result = run_group(python_command("print(6 * 7)"), timeout=30)
>>> result.stdout.strip(), result.returncode, result.timed_out
('42', 0, False)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psutil

from helpers.leftovers import (  # noqa: F401 - re-exported: notebooks 13 and 14 read them here
    INTERPRETER_HELPERS,
    is_running,
    kill_tagged,
    leftover_children,
    reap_zombies,
    tagged_processes,
    zombies,
)
from helpers.validate import number, seconds

Command = list[str]


def _command(command: Any) -> Command:
    if isinstance(command, (str, bytes)):
        raise TypeError("command must be a list of arguments, not one string: "
                        "['program', 'arg 1', 'arg 2'] (no shell needed)")
    if not isinstance(command, (list, tuple)) or not command:
        raise TypeError(f"command must be a non-empty list of str, got {command!r}")
    if not all(isinstance(arg, str) for arg in command):
        raise TypeError(f"every argument must be a str, got {command!r}")
    return list(command)


# ---- commands ----

def python_command(code: str, *args: str) -> Command:
    """The argument list that runs ``code`` in a fresh Python: ``[python, "-c", code, *args]``.

    Uses this interpreter (``sys.executable``), so it works wherever the notebook runs.
    """
    if not isinstance(code, str):
        raise TypeError(f"code must be Python source (str), got {type(code).__name__}")
    if not all(isinstance(arg, str) for arg in args):
        raise TypeError(f"args must be str, got {args!r}")
    return [sys.executable, "-c", code, *args]


def sleeper(duration: float) -> Command:
    """A command that waits ``duration`` seconds and prints its process id: stand-in work."""
    seconds("duration", duration)
    return python_command("import os, sys, time; time.sleep(float(sys.argv[1])); "
                          "print(os.getpid())", str(duration))


def ticker(lines: int, interval: float, flush: bool = True) -> Command:
    """A command that prints ``lines`` numbered lines, ``interval`` seconds apart.

    With ``flush=False`` it relies on Python's default buffering: into a pipe, stdout is
    block-buffered, so the reader gets every line at once, at exit.
    """
    if isinstance(lines, bool) or not isinstance(lines, int) or lines < 1:
        raise ValueError(f"lines must be a whole number >= 1, got {lines!r}")
    number("interval", interval, positive=True)
    if not isinstance(flush, bool):
        raise TypeError(f"flush must be True or False, got {flush!r}")
    return python_command(
        "import sys, time\n"
        "for i in range(int(sys.argv[1])):\n"
        "    time.sleep(float(sys.argv[2]))\n"
        f"    print(f'tick-{{i}}', flush={flush})", str(lines), str(interval))


def spawner(duration: float, tag: str = "course_grandchild") -> Command:
    """A command that starts a *grandchild* sleeping ``duration`` s, prints its pid, sleeps too.

    It stands for a shell script or build tool that runs programs of its own. ``tag`` is put
    on the grandchild's command line, so :func:`tagged_processes` finds it even orphaned.
    The grandchild inherits the child's stdout, as a program's children usually do.
    """
    number("duration", duration, positive=True)
    if not isinstance(tag, str) or not tag.isidentifier():
        raise ValueError(f"tag must be a word (letters, digits, _), got {tag!r}")
    return python_command(
        "import subprocess, sys, time\n"
        "duration, tag = sys.argv[1], sys.argv[2]\n"
        "child = subprocess.Popen([sys.executable, '-c', f'import time; time.sleep({duration})',"
        " tag])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(float(duration))", str(duration), tag)


# ---- running with a group kill ----

@dataclass(frozen=True)
class GroupResult:
    """What :func:`run_group` saw: output, exit code (None if killed), and the group's id."""

    stdout: str
    stderr: str
    returncode: int | None
    timed_out: bool
    pid: int


def _new_group() -> dict[str, Any]:
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def kill_group(process: subprocess.Popen) -> list[psutil.Process]:
    """Kill ``process`` and everything it started: its process group and its process tree.

    POSIX: the child leads its own session (``start_new_session=True``), so ``os.killpg``
    signals every member. Programs that put their children in new sessions (MPICH's
    ``mpiexec`` does) escape the group, so the descendants psutil finds are killed too.
    Windows has no groups to signal: ``taskkill /T /F`` walks the tree. Returns the
    descendants signalled, to wait for with ``psutil.wait_procs``.
    """
    if not isinstance(process, subprocess.Popen):
        raise TypeError(f"expected a subprocess.Popen, got {type(process).__name__}")
    try:
        tree = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:  # already gone
        tree = []
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)],
                       capture_output=True, check=False)
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
            os.killpg(process.pid, signal.SIGKILL)
    for descendant in tree:
        with contextlib.suppress(psutil.Error):
            descendant.kill()
    return tree


def group_gone(pgid: int, *, timeout: float = 10.0) -> bool:
    """Wait until no live (non-zombie) process is left in process group ``pgid``; POSIX only.

    Returns whether the group emptied within ``timeout`` seconds (always True on Windows).
    """
    if isinstance(pgid, bool) or not isinstance(pgid, int) or pgid <= 0:
        raise ValueError(f"pgid must be a positive int, got {pgid!r}")
    timeout = number("timeout", timeout, positive=True)
    if sys.platform == "win32":
        return True
    deadline = time.monotonic() + timeout
    while True:
        members = []
        for process in psutil.process_iter():
            with contextlib.suppress(psutil.Error, OSError):
                if (os.getpgid(process.pid) == pgid
                        and process.status() != psutil.STATUS_ZOMBIE):
                    members.append(process)
        if not members:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def run_group(command: Sequence[str], *, timeout: float, cwd: str | None = None,
              env: dict[str, str] | None = None) -> GroupResult:
    """Run ``command`` in its own process group; on timeout kill the whole group, then reap it.

    Output is captured as text. Nothing is left running and no zombie is left behind.
    """
    command = _command(command)
    timeout = number("timeout", timeout, positive=True)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True, cwd=cwd, env=env,
                               **_new_group())
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        tree = kill_group(process)
        stdout, stderr = process.communicate(timeout=10)  # the pipes close: every writer died
        psutil.wait_procs(tree, timeout=10)  # SIGKILL is asynchronous: wait until it took effect
        group_gone(process.pid, timeout=10)
        timed_out = True
    return GroupResult(stdout, stderr, None if timed_out else process.returncode, timed_out,
                       process.pid)


# ---- exercise 1: predict a mix of programs on a bounded pool ----

#: Five short programs queued first, one long one last, on a pool of two threads.
MIX_SECONDS = (0.3, 0.3, 0.3, 0.3, 0.3, 0.9)
MIX_WORKERS = 2

# ---- exercise 2: repair a reader that hangs on an orphan and leaves a zombie ----

GRANDCHILD_SECONDS = 2.0


def orphan_trial(first_lines: Any, timeout: float = 0.5) -> Any:
    """One trial for ``helpers.exercises.check_behaviour``: ``first_lines(command, timeout)``
    on a program whose grandchild keeps stdout open; say what went wrong, or None.

    Right means: the first line (the grandchild's pid) is returned, within about ``timeout``
    (not after the grandchild's 2 s), with no process of the family alive and no zombie.
    Whatever the attempt left behind is killed and reaped afterwards.
    """
    if not callable(first_lines):
        raise TypeError("pass your function itself, e.g. orphan_trial(first_lines)")

    def trial() -> str | None:
        tag = f"exercise_{os.getpid()}_{time.monotonic_ns()}"
        start = time.perf_counter()
        try:
            lines = first_lines(spawner(GRANDCHILD_SECONDS, tag), timeout)
            elapsed = time.perf_counter() - start
            time.sleep(0.1)  # let SIGKILL take effect
            alive, unreaped = tagged_processes(tag), zombies()
        finally:
            kill_tagged(tag)
            reap_zombies()
        if not lines or not str(lines[0]).strip().isdigit():
            return f"expected the first line (a pid), got {lines!r}"
        if elapsed > timeout + 1.0:
            return (f"returned after {elapsed:.1f} s, not {timeout} s: the grandchild still "
                    "held the pipe open, so reading waited for it (kill the whole group)")
        if alive:
            return f"{len(alive)} process(es) of the family survived: kill the process group"
        if unreaped:
            return f"{len(unreaped)} zombie(s) left: wait for the child after killing it"
        return None

    return trial


# ---- exercise 3: choose the call ----

CHOICES = {
    "run `git status` once and read its output": "subprocess.run",
    "show a 10-minute training job's log while it runs": "Popen, read lines",
    "run a build script that starts compilers of its own, with a time limit":
        "start_new_session + killpg",
    "convert 300 videos with ffmpeg, 4 at a time, from plain synchronous code":
        "ThreadPoolExecutor(4)",
    "inside an asyncio web server, run a converter for each request":
        "asyncio.create_subprocess_exec",
}
WHY = {
    "run `git status` once and read its output":
        "one short program: run() waits, captures, and times out",
    "show a 10-minute training job's log while it runs":
        "run() returns only at the end; Popen lets you read each line as it comes",
    "run a build script that starts compilers of its own, with a time limit":
        "a timeout kills only the script; its compilers survive unless you kill the group",
    "convert 300 videos with ffmpeg, 4 at a time, from plain synchronous code":
        "the pool's size is the bound, and each thread just waits for its program",
    "inside an asyncio web server, run a converter for each request":
        "a blocking run() would freeze every request; await the program instead",
}
