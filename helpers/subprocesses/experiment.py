"""Programs for notebook 13 to run: small Python programs as its "external commands".

They behave the same on Linux, macOS and Windows; the subprocess calls the notebook teaches
are written in its cells, the course's safe runner is :func:`helpers.scripts.run_group`, and
what a program left behind is read with :mod:`helpers.leftovers`. Nothing here uses a shell.

>>> from helpers.scripts import run_group
>>> result = run_group(python_command("print(6 * 7)"), timeout=30)
>>> result.stdout.strip(), result.returncode, result.timed_out
('42', 0, False)
"""

from __future__ import annotations

import sys

from helpers.scripts import Command
from helpers.validate import number, seconds


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
    on the grandchild's command line, so :func:`helpers.leftovers.tagged_processes` finds it
    even orphaned. The grandchild inherits the child's stdout, as a program's children do.
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
