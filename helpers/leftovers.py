"""What a program left behind: live descendants, zombies, orphans found by a tag.

Notebooks 13 and 14 end by checking that nothing they started is still alive or unreaped.

>>> is_running(os.getpid())
True
>>> tagged_processes("no-such-tag-anywhere")
[]
"""

from __future__ import annotations

import contextlib
import os

import psutil

from helpers.validate import whole_number

#: Helper processes that ``multiprocessing`` starts once and keeps until the interpreter exits.
INTERPRETER_HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")


def tagged_processes(tag: str) -> list[psutil.Process]:
    """Every live (not zombie) process on the machine whose command line contains ``tag``.

    An orphan (adopted by ``init``, no longer our descendant) is still found this way.
    """
    if not isinstance(tag, str) or not tag:
        raise ValueError(f"tag must be a non-empty str, got {tag!r}")
    found = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error):  # gone, or not ours to read
            if tag in process.cmdline() and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
    return found


def kill_tagged(tag: str) -> int:
    """Kill and wait for every process whose command line holds ``tag``; return how many."""
    found = tagged_processes(tag)
    for process in found:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(found, timeout=10)
    return len(found)


def is_running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (dead but not yet reaped)."""
    whole_number("pid", pid, minimum=1)
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _is_interpreter_helper(process: psutil.Process) -> bool:
    try:
        return any(marker in " ".join(process.cmdline()) for marker in INTERPRETER_HELPERS)
    except psutil.Error:
        return False


def leftover_children(include_helpers: bool = False) -> list[psutil.Process]:
    """This process's descendants still alive or unreaped (zombies count: they are left over).

    ``multiprocessing``'s resource tracker and forkserver live as long as the interpreter by
    design; they are left out unless ``include_helpers``.
    """
    if not isinstance(include_helpers, bool):
        raise TypeError(f"include_helpers must be True or False, got {include_helpers!r}")
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            child.status()
        except psutil.NoSuchProcess:
            continue
        if include_helpers or not _is_interpreter_helper(child):
            found.append(child)
    return found


def zombies() -> list[psutil.Process]:
    """This process's children that have exited but were never waited for."""
    found = []
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            if child.status() == psutil.STATUS_ZOMBIE:
                found.append(child)
    return found


def reap_zombies() -> int:
    """Wait for this process's zombie children (POSIX), as their forgotten parent should have.

    Returns how many were reaped. An exercise checker uses it to clean up after an attempt.
    """
    reaped = 0
    for zombie in zombies():
        with contextlib.suppress(ChildProcessError, OSError):
            if os.waitpid(zombie.pid, os.WNOHANG)[0] == zombie.pid:
                reaped += 1
    return reaped
