"""Run a Python script (or ``python -m module``) in a fresh interpreter, with a timeout;
show a script file; run any program in a process group of its own and kill the whole group
on timeout (:func:`run_group`, :func:`kill_group`: notebooks 13 and 14 use them).

What only an interpreter exit can show (daemon threads dying, the ``__main__`` guard under
spawn, ``asyncio.run``) runs this way, so the kernel never hangs and the output is captured.
Scripts of more than a few lines are real files in ``notebooks/scripts/`` (linted, shown
highlighted with :func:`show_script`); ``run_script`` takes such a path or a short text.

>>> result = run_script("print(6 * 7)")
>>> result.stdout.strip(), result.returncode
('42', 0)
>>> grouped = run_group([sys.executable, "-c", "print(6 * 7)"], timeout=30)
>>> grouped.stdout.strip(), grouped.returncode, grouped.timed_out
('42', 0, False)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from helpers import validate

#: Plain UTF-8 text from the script, whatever the kernel's terminal settings: Jupyter kernels set
#: FORCE_COLOR, and Python 3.13+ would then colour its tracebacks with escape codes.
PLAIN_OUTPUT = {"PYTHONIOENCODING": "utf-8", "PYTHON_COLORS": "0", "NO_COLOR": "1"}

Command = list[str]


@dataclass(frozen=True)
class ScriptResult:
    """What a script did: its output, its exit code, and whether it had to be killed."""

    stdout: str
    stderr: str
    returncode: int | None
    timed_out: bool

    @property
    def ok(self) -> bool:
        """True when the script finished in time with exit code 0."""
        return self.returncode == 0 and not self.timed_out

    def __str__(self) -> str:
        status = "killed after timeout" if self.timed_out else f"exit code {self.returncode}"
        parts = [f"[{status}]"]
        if self.stdout:
            parts.append(f"--- stdout ---\n{self.stdout.rstrip()}")
        if self.stderr:
            parts.append(f"--- stderr ---\n{self.stderr.rstrip()}")
        return "\n".join(parts)


def run_script(
    code: str | Path,
    *,
    timeout: float = 30.0,
    args: tuple[str, ...] = (),
    env: Mapping[str, str] | None = None,
) -> ScriptResult:
    """Run the script file ``code`` (a :class:`~pathlib.Path`), or a short script's text.

    Either way it runs as a real file in a scratch folder (spawned children must be able to
    re-import ``__main__``), in its own process group, and is killed with all its children when
    ``timeout`` seconds pass. ``env`` adds to (not replaces) this process's environment; output
    is plain text (:data:`PLAIN_OUTPUT`).

    >>> run_script("import sys; sys.exit(3)").returncode
    3
    >>> run_script("import time; time.sleep(5)", timeout=0.5).timed_out
    True
    """
    if isinstance(code, Path):
        if not code.is_file():
            raise FileNotFoundError(f"no script at {code} (scripts live in notebooks/scripts/)")
        code = code.read_text(encoding="utf-8")
    if not isinstance(code, str):
        raise TypeError("code must be a script's path (pathlib.Path) or its text (str), "
                        f"got {type(code).__name__}")
    _check_run_options(timeout, args, env)

    with tempfile.TemporaryDirectory(prefix="course-script-") as folder:
        path = Path(folder) / "script.py"
        path.write_text(textwrap.dedent(code), encoding="utf-8")
        return _run([sys.executable, str(path), *args], cwd=folder, env=env, timeout=timeout)


def run_module(
    module: str,
    *,
    args: tuple[str, ...] = (),
    timeout: float = 30.0,
    env: Mapping[str, str] | None = None,
) -> ScriptResult:
    """Run ``python -m module *args`` with this interpreter, killed (with all its children)
    after ``timeout`` seconds; it runs in the current folder, so relative paths in ``args``
    work. ``env`` adds to this process's environment; output is plain text.

    >>> run_module("json.tool", args=("--help",)).ok
    True
    >>> run_module("no_such_module_here").returncode
    1
    """
    if not isinstance(module, str) or not module.strip():
        raise TypeError(f"module must be a module's name (str), got {module!r}")
    _check_run_options(timeout, args, env)
    return _run([sys.executable, "-m", module, *args], cwd=None, env=env, timeout=timeout)


def _check_run_options(timeout: float, args: object, env: object) -> None:
    """The checks run_script and run_module share: a clear error for a bad option."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, got {type(timeout).__name__}")
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, got {timeout}")
    if not isinstance(args, (tuple, list)) or not all(isinstance(arg, str) for arg in args):
        raise TypeError(f"args must be a tuple of str, got {args!r}")
    if env is not None and not (isinstance(env, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in env.items())):
        raise TypeError("env must map str to str (a dict)")


def _run(command: list[str], *, cwd: str | None, env: Mapping[str, str] | None,
         timeout: float) -> ScriptResult:
    """Start ``command`` in a process group of its own; kill the group after ``timeout`` s."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=cwd,
        env={**os.environ, **PLAIN_OUTPUT, **(env or {})},
        **new_process_group(),
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        kill_group(process)
        stdout, stderr = process.communicate(timeout=10)
        timed_out = True
    return ScriptResult(stdout, stderr, None if timed_out else process.returncode, timed_out)


def new_process_group() -> dict:
    """Popen arguments that start a child in a group of its own, so kill_group ends it all."""
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
    timeout = validate.number("timeout", timeout, positive=True)
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


# ---- any program, in a group of its own ----

@dataclass(frozen=True)
class GroupResult:
    """What :func:`run_group` saw: output, exit code (None if killed), and the group's id."""

    stdout: str
    stderr: str
    returncode: int | None
    timed_out: bool
    pid: int


def _command(command: Any) -> Command:
    if isinstance(command, (str, bytes)):
        raise TypeError("command must be a list of arguments, not one string: "
                        "['program', 'arg 1', 'arg 2'] (no shell needed)")
    if not isinstance(command, (list, tuple)) or not command:
        raise TypeError(f"command must be a non-empty list of str, got {command!r}")
    if not all(isinstance(arg, str) for arg in command):
        raise TypeError(f"every argument must be a str, got {command!r}")
    return list(command)


def run_group(command: Sequence[str], *, timeout: float, cwd: str | None = None,
              env: dict[str, str] | None = None) -> GroupResult:
    """Run ``command`` in its own process group; on timeout kill the whole group, then reap it.

    Output is captured as text. Nothing is left running and no zombie is left behind.
    """
    command = _command(command)
    timeout = validate.number("timeout", timeout, positive=True)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True, cwd=cwd, env=env,
                               **new_process_group())
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


def show_script(path: Path) -> None:
    """Display a script file syntax-highlighted (plain text outside IPython)."""
    from helpers.checks import display_code

    if not isinstance(path, Path) or not path.is_file():
        raise FileNotFoundError(f"no script at {path!r} (pass a pathlib.Path to a .py file)")
    display_code(path.read_text(encoding="utf-8"), title=f"# {path.name}\n")
