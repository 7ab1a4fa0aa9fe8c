"""Run a Python script (or ``python -m module``) in a fresh interpreter, with a timeout;
show a script file.

What only an interpreter exit can show (daemon threads dying, the ``__main__`` guard under
spawn, ``asyncio.run``) runs this way, so the kernel never hangs and the output is captured.
Scripts of more than a few lines are real files in ``notebooks/scripts/`` (linted, shown
highlighted with :func:`show_script`); ``run_script`` takes such a path or a short text.

>>> result = run_script("print(6 * 7)")
>>> result.stdout.strip(), result.returncode
('42', 0)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: Plain UTF-8 text from the script, whatever the kernel's terminal settings: Jupyter kernels set
#: FORCE_COLOR, and Python 3.13+ would then colour its tracebacks with escape codes.
PLAIN_OUTPUT = {"PYTHONIOENCODING": "utf-8", "PYTHON_COLORS": "0", "NO_COLOR": "1"}


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


def kill_group(process: subprocess.Popen) -> None:
    """Kill a child started with new_process_group() and everything it started."""
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)],
                       capture_output=True, check=False)
    else:
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(process.pid, signal.SIGKILL)


def show_script(path: Path) -> None:
    """Display a script file syntax-highlighted (plain text outside IPython)."""
    from helpers.checks import display_code

    if not isinstance(path, Path) or not path.is_file():
        raise FileNotFoundError(f"no script at {path!r} (pass a pathlib.Path to a .py file)")
    display_code(path.read_text(encoding="utf-8"), title=f"# {path.name}\n")
