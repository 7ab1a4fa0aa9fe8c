"""Run other programs: many at once, with timeouts that kill whole process groups; checkers.

Notebook 10 runs small Python programs (``python -c ...``) as its "external commands", so it
behaves the same on Linux, macOS and Windows. Nothing here uses a shell.

>>> result = run_group(python_command("print(6 * 7)"), timeout=30)
>>> result.stdout.strip(), result.returncode, result.timed_out
('42', 0, False)
>>> count_overlap([(0.0, 1.0), (0.5, 1.5), (2.0, 3.0)])
2
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psutil

from helpers.tracing import Recorder, Span, task_name

Command = list[str]


# ---- argument checks ----

def _check_command(command: Any) -> Command:
    if isinstance(command, (str, bytes)):
        raise TypeError("command must be a list of arguments, not one string: "
                        "['program', 'arg 1', 'arg 2'] (no shell needed)")
    if not isinstance(command, (list, tuple)) or not command:
        raise TypeError(f"command must be a non-empty list of str, got {command!r}")
    if not all(isinstance(arg, str) for arg in command):
        raise TypeError(f"every argument must be a str, got {command!r}")
    return list(command)


def _check_seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, got {type(value).__name__}")
    if not value > 0:
        raise ValueError(f"{name} must be > 0 seconds, got {value}")
    return float(value)


def _check_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


# ---- commands ----

def python_command(code: str, *args: str) -> Command:
    """The argument list that runs ``code`` in a fresh Python: ``[python, "-c", code, *args]``.

    Uses this interpreter (``sys.executable``), so it works wherever the notebook runs.

    >>> python_command("pass")[1:]
    ['-c', 'pass']
    """
    if not isinstance(code, str):
        raise TypeError(f"code must be Python source (str), got {type(code).__name__}")
    if not all(isinstance(arg, str) for arg in args):
        raise TypeError(f"args must be str, got {args!r}")
    return [sys.executable, "-c", code, *args]


def sleeper(seconds: float) -> Command:
    """A command that waits ``seconds`` and prints its process id: a stand-in for real work.

    >>> sleeper(0.01)[-1]
    '0.01'
    """
    _check_seconds("seconds", seconds)
    return python_command("import os, sys, time; time.sleep(float(sys.argv[1])); "
                          "print(os.getpid())", str(seconds))


def ticker(lines: int, interval: float, flush: bool = True) -> Command:
    """A command that prints ``lines`` numbered lines, ``interval`` seconds apart.

    With ``flush=False`` it relies on Python's default buffering: into a pipe, stdout is
    block-buffered, so the reader gets every line at once, at exit.

    >>> run_group(ticker(2, 0.01), timeout=30).stdout.split()
    ['tick-0', 'tick-1']
    """
    _check_count("lines", lines)
    _check_seconds("interval", interval)
    if not isinstance(flush, bool):
        raise TypeError(f"flush must be True or False, got {flush!r}")
    return python_command(
        "import sys, time\n"
        "for i in range(int(sys.argv[1])):\n"
        "    time.sleep(float(sys.argv[2]))\n"
        f"    print(f'tick-{{i}}', flush={flush})", str(lines), str(interval))


def spawner(seconds: float, tag: str = "course_grandchild") -> Command:
    """A command that starts a *grandchild* sleeping ``seconds``, prints its pid, then sleeps too.

    It stands for a shell script or build tool that runs programs of its own. ``tag`` is put
    on the grandchild's command line, so :func:`tagged_processes` can find it even after it
    has been orphaned (adopted by ``init``, no longer our descendant).

    >>> spawner(1)[-2:]
    ['1', 'course_grandchild']
    """
    _check_seconds("seconds", seconds)
    if not isinstance(tag, str) or not tag.isidentifier():
        raise ValueError(f"tag must be a word (letters, digits, _), got {tag!r}")
    return python_command(
        "import subprocess, sys, time\n"
        "seconds, tag = sys.argv[1], sys.argv[2]\n"
        "child = subprocess.Popen([sys.executable, '-c', f'import time; time.sleep({seconds})',"
        " tag], stdout=subprocess.DEVNULL)\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(float(seconds))", str(seconds), tag)


def tagged_processes(tag: str) -> list[psutil.Process]:
    """Every live (not zombie) process on the machine whose command line contains ``tag``.

    >>> tagged_processes("no-such-tag-anywhere")
    []
    """
    if not isinstance(tag, str) or not tag:
        raise ValueError(f"tag must be a non-empty str, got {tag!r}")
    found = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error):  # gone, or not ours to read
            if tag in process.cmdline() and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
    return found


# ---- running ----

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

    On POSIX the child was started with ``start_new_session=True``: it leads a new session and
    process group whose id is its pid, and ``os.killpg`` signals every member. Programs that
    put their own children in new sessions (MPICH's ``mpiexec`` does, for every rank) escape
    the group, so the descendants found by psutil are killed too. Windows has no process
    groups to signal; ``taskkill /T /F`` walks the tree (a Job object is the robust way).
    Returns the descendants that were signalled, to wait for with ``psutil.wait_procs``.
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

    >>> group_gone(2**22 + 12345, timeout=0.1)  # no such group
    True
    """
    if isinstance(pgid, bool) or not isinstance(pgid, int) or pgid <= 0:
        raise ValueError(f"pgid must be a positive int, got {pgid!r}")
    timeout = _check_seconds("timeout", timeout)
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

    >>> run_group(python_command("import time; time.sleep(5)"), timeout=0.3).timed_out
    True
    """
    command = _check_command(command)
    timeout = _check_seconds("timeout", timeout)
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


def stream_lines(command: Sequence[str], *, timeout: float,
                 env: dict[str, str] | None = None) -> list[tuple[float, str]]:
    """Run ``command`` and read its stdout line by line as it comes: ``(perf_counter, line)``.

    A timer kills the process group after ``timeout`` seconds, so a silent child cannot block
    the read forever; the process is always reaped. ``env`` replaces the environment.

    >>> [line for _, line in stream_lines(ticker(2, 0.01), timeout=30)]
    ['tick-0', 'tick-1']
    """
    command = _check_command(command)
    timeout = _check_seconds("timeout", timeout)
    arrivals = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                          text=True, env=env, **_new_group()) as process:
        killer = threading.Timer(timeout, kill_group, args=(process,))
        killer.start()
        try:
            assert process.stdout is not None
            for line in process.stdout:  # blocks until a line (or end of file) arrives
                arrivals.append((time.perf_counter(), line.rstrip("\n")))
        finally:
            killer.cancel()
            killer.join(timeout=5)
            process.wait(timeout=10)
    return arrivals


def run_many_threads(commands: Sequence[Sequence[str]], *, max_workers: int, timeout: float,
                     recorder: Recorder) -> list[subprocess.CompletedProcess]:
    """Run ``commands`` on a pool of ``max_workers`` threads, each with ``subprocess.run``.

    At most ``max_workers`` programs run at once; each span in ``recorder`` is one program.
    Results come back in the order of ``commands``.

    >>> done = run_many_threads([sleeper(0.01)] * 3, max_workers=2, timeout=30,
    ...                         recorder=Recorder())
    >>> [r.returncode for r in done]
    [0, 0, 0]
    """
    commands = [_check_command(c) for c in commands]
    max_workers = _check_count("max_workers", max_workers)
    timeout = _check_seconds("timeout", timeout)
    if not isinstance(recorder, Recorder):
        raise TypeError(f"recorder must be a helpers.tracing.Recorder, got {recorder!r}")

    def one(task: int) -> subprocess.CompletedProcess:
        with recorder.span(task):
            return subprocess.run(commands[task], capture_output=True, text=True,
                                  timeout=timeout, check=True)

    with ThreadPoolExecutor(max_workers, thread_name_prefix="runner") as pool:
        futures = [pool.submit(one, task) for task in range(len(commands))]
        return [future.result(timeout=timeout + 30) for future in futures]


async def run_many_async(commands: Sequence[Sequence[str]], *, limit: int, timeout: float,
                         recorder: Recorder) -> list[tuple[int, str]]:
    """Run ``commands`` with ``asyncio.create_subprocess_exec``, at most ``limit`` at once.

    Returns ``(returncode, stdout)`` per command, in order. A program that outlives
    ``timeout`` is killed and awaited (so it leaves no zombie), and ``TimeoutError`` propagates.

    >>> asyncio.run(run_many_async([sleeper(0.01)] * 2, limit=2, timeout=30,
    ...                            recorder=Recorder()))[0][0]
    0
    """
    commands = [_check_command(c) for c in commands]
    limit = _check_count("limit", limit)
    timeout = _check_seconds("timeout", timeout)
    if not isinstance(recorder, Recorder):
        raise TypeError(f"recorder must be a helpers.tracing.Recorder, got {recorder!r}")
    gate = asyncio.Semaphore(limit)

    async def one(task: int) -> tuple[int, str]:
        async with gate:
            with recorder.span(task, worker=task_name()):
                process = await asyncio.create_subprocess_exec(
                    *commands[task], stdout=asyncio.subprocess.PIPE,
                    stdin=asyncio.subprocess.DEVNULL)
                try:
                    stdout, _ = await asyncio.wait_for(process.communicate(), timeout)
                except TimeoutError:
                    process.kill()
                    await process.wait()
                    raise
                return process.returncode, stdout.decode()

    tasks = [asyncio.create_task(one(task), name=f"cmd-{task}")
             for task in range(len(commands))]
    return list(await asyncio.gather(*tasks))


# ---- what is left behind ----

def count_overlap(intervals: Sequence[tuple[float, float]]) -> int:
    """The largest number of ``(start, end)`` intervals open at the same moment.

    >>> count_overlap([(0, 1), (1, 2)])  # one ends as the next starts: never two at once
    1
    """
    events = []
    for interval in intervals:
        if not (isinstance(interval, (tuple, list)) and len(interval) == 2):
            raise TypeError(f"expected (start, end) pairs, got {interval!r}")
        start, end = interval
        if end < start:
            raise ValueError(f"an interval cannot end before it starts: {interval!r}")
        events += [(start, 1), (end, -1)]
    best = now = 0
    for _, step in sorted(events, key=lambda e: (e[0], e[1])):  # ends sort before starts
        now += step
        best = max(best, now)
    return best


def span_overlap(spans: Sequence[Span]) -> int:
    """The largest number of spans running at the same moment.

    >>> span_overlap([Span("a", 1, 0.0, 1.0), Span("b", 2, 0.5, 2.0)])
    2
    """
    if not all(isinstance(s, Span) for s in spans):
        raise TypeError("spans must be helpers.tracing.Span objects")
    return count_overlap([(s.start, s.end) for s in spans])


def is_running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (dead but not yet reaped).

    >>> is_running(os.getpid())
    True
    """
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
        raise ValueError(f"pid must be a positive int, got {pid!r}")
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


#: Helper processes that ``multiprocessing`` starts once and keeps until the interpreter exits.
INTERPRETER_HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")


def _is_interpreter_helper(process: psutil.Process) -> bool:
    try:
        return any(marker in " ".join(process.cmdline()) for marker in INTERPRETER_HELPERS)
    except psutil.Error:
        return False


def leftover_children(include_helpers: bool = False) -> list[psutil.Process]:
    """This process's descendants still alive or unreaped (zombies count: they are left over).

    ``multiprocessing``'s resource tracker and forkserver live as long as the interpreter by
    design; they are left out unless ``include_helpers``.

    >>> all(isinstance(p, psutil.Process) for p in leftover_children())
    True
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
    """This process's children that have exited but were never waited for.

    >>> all(p.status() == psutil.STATUS_ZOMBIE for p in zombies())
    True
    """
    found = []
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            if child.status() == psutil.STATUS_ZOMBIE:
                found.append(child)
    return found


def rounds_time(commands: int, limit: int, seconds: float) -> float:
    """Wall time of ``commands`` programs of ``seconds`` each, ``limit`` at a time (no start-up).

    >>> rounds_time(8, 4, 0.3)
    0.6
    """
    commands, limit = _check_count("commands", commands), _check_count("limit", limit)
    return round(math.ceil(commands / limit) * _check_seconds("seconds", seconds), 12)


# ---- exercise checkers (print feedback, return bool, never raise on a wrong answer) ----

TRICKY_NAMES = ("plain.txt", "two words.txt", "x; echo INJECTED", "$(whoami).txt",
                "it's \"quoted\".txt", "-rf", "*.py", "tab\there")


def check_length_command(build: Callable[[str], Any]) -> bool:
    """Exercise 1: ``build(name)`` returns the argument list that prints ``len(name)``.

    The program must receive ``name`` as one argument, whatever it contains.
    """
    if not callable(build):
        print("✘ pass your function itself, e.g. check_length_command(length_command)")
        return False
    for name in TRICKY_NAMES:
        try:
            command = build(name)
        except Exception as error:  # the learner's code: report, never raise
            print(f"✘ length_command({name!r}) raised {type(error).__name__}: {error}")
            return False
        if command is None or command is Ellipsis:
            print("✘ length_command returned nothing yet: return a list of arguments")
            return False
        if isinstance(command, str):
            print("✘ you returned one string; it would need a shell to be split into "
                  "arguments, and the shell would interpret ';', '$( )', quotes. Return a list.")
            return False
        try:
            result = subprocess.run(_check_command(command), capture_output=True, text=True,
                                    timeout=30, check=False)
        except (TypeError, OSError, subprocess.SubprocessError) as error:
            print(f"✘ running {command!r} failed: {type(error).__name__}: {error}")
            return False
        if result.stdout.strip() != str(len(name)):
            print(f"✘ for the name {name!r} the program printed {result.stdout.strip()!r}, "
                  f"expected {len(name)}; stderr: {result.stderr.strip()[-200:]!r}")
            return False
    print(f"✔ every tricky name ({len(TRICKY_NAMES)}) reached the program as one argument")
    return True


def check_group_timeout(run: Callable[[list[str], float], Any]) -> bool:
    """Exercise 2: ``run(command, timeout)`` returns None on timeout and leaves nothing alive.

    The test command starts a grandchild; both must be gone when ``run`` returns.
    """
    if not callable(run):
        print("✘ pass your function itself, e.g. check_group_timeout(run_with_timeout)")
        return False
    tag = f"checker_{os.getpid()}_{time.monotonic_ns()}"
    start = time.perf_counter()
    try:
        outcome = run(spawner(3, tag), 0.5)
    except Exception as error:  # the learner's code: report, never raise
        print(f"✘ your function raised {type(error).__name__}: {error}; "
              "catch subprocess.TimeoutExpired and return None")
        return False
    elapsed = time.perf_counter() - start
    time.sleep(0.2)  # let the kernel deliver the signals
    left = list({p.pid: p for p in tagged_processes(tag) + leftover_children()}.values())
    for process in left:  # clean up whatever the attempt left behind
        with contextlib.suppress(psutil.Error):
            process.kill()
            process.wait(timeout=5)
    if outcome is not None:
        print(f"✘ expected None for a command that timed out, got {outcome!r}")
        return False
    if elapsed > 2.5:
        print(f"✘ your function took {elapsed:.1f} s: it waited for the program instead of "
              "stopping it after 0.5 s")
        return False
    if left:
        print(f"✘ {len(left)} process(es) survived the timeout: kill the whole group "
              "(start_new_session=True, then os.killpg)")
        return False
    try:
        ok = run(python_command("print('hi')"), 30)
    except Exception as error:  # the learner's code: report, never raise
        print(f"✘ a quick command raised {type(error).__name__}: {error}")
        return False
    if ok != 0:
        print(f"✘ a command that succeeds should give its return code 0, got {ok!r}")
        return False
    print(f"✔ timed out in {elapsed:.2f} s, killed the child and its grandchild, "
          "and returns 0 for a quick command")
    return True
