"""Notebook 13's exercises: the mix of programs to predict, the trial of a reader that must
not hang on an orphan nor leave a zombie, and the choice of call (checked by helpers.exercises).
"""

from __future__ import annotations

import os
import time
from typing import Any

from helpers.leftovers import kill_tagged, reap_zombies, tagged_processes, zombies
from helpers.subprocesses.experiment import spawner

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
