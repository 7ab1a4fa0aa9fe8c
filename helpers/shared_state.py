"""Workers and checkers for notebook 06 (sharing state between processes).

Everything a child process runs (``Process`` targets, pool workers and initializers) must be
importable under every start method, so it lives here and the notebook shows its source.

>>> chunk_bounds(10, 3)
[(0, 4), (4, 7), (7, 10)]
>>> formula(0, 4).tolist()
[0.0, 1.5, 2.414213562373095, 3.232050807568877]
>>> lost_fraction([4000, 3500, 3000], expected=4000)
0.125
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing import shared_memory
from pathlib import Path
from typing import Any

import numpy as np

from helpers.checks import feedback

#: Where Linux keeps POSIX shared memory; each block is a file named after the block.
SHM_FOLDER = Path("/dev/shm")


def _check_int(name: str, value: Any, *, lowest: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < lowest:
        raise ValueError(f"{name} must be >= {lowest}, got {value}")
    return value


# ---- 1 · the article's example: a list is copied, a Value and an Array are shared ----

def article_worker(items: list, value: Any, array: Any) -> None:
    """The article's ``my_func`` with a list added, without the print, and with the locks.

    The child appends to its *copy* of ``items``; ``value`` and ``array`` live in shared
    memory, so the parent sees their changes. Each read-modify-write holds the lock.

    >>> import multiprocessing
    >>> v, a = multiprocessing.Value("i", 0), multiprocessing.Array("d", [1.0] * 5)
    >>> article_worker([], v, a)
    >>> v.value, list(a)
    (1, [1.0, 2.0, 1.0, 1.0, 1.0])
    """
    if not isinstance(items, list):
        raise TypeError(f"items must be a list, got {type(items).__name__}")
    items.append(os.getpid())
    with value.get_lock():  # the article writes value1.value += 1 without it
        value.value += 1
        index = value.value  # read under the same lock: the index this process made
    with array.get_lock():
        array[index] += 1


# ---- 2 · lost updates: the counter a pool's workers share ----

_shared: dict[str, Any] = {}


def install(counter: Any, barrier: Any) -> None:
    """Pool initializer: keep the shared counter and barrier in this worker's globals.

    ``initargs`` travel to a worker when it *starts*, which is the only moment a ``Value``
    may be handed over ("inheritance"). ``map`` arguments are pickled later, and a ``Value``
    refuses that.

    >>> install("counter", "barrier")
    >>> sorted(_shared)
    ['barrier', 'counter']
    """
    _shared["counter"] = counter
    _shared["barrier"] = barrier


def bump(task: tuple[int, bool]) -> int:
    """Add 1 to the installed counter ``increments`` times; with the lock if ``locked``.

    All workers first meet at the installed barrier, so their loops really overlap.
    Returns this worker's process id.

    >>> import multiprocessing
    >>> install(multiprocessing.Value("i", 0), None)
    >>> bump((5, True)) == os.getpid(), _shared["counter"].value
    (True, 5)
    """
    if not (isinstance(task, tuple) and len(task) == 2):
        raise TypeError(f"task must be an (increments, locked) tuple, got {task!r}")
    increments, locked = task
    _check_int("increments", increments, lowest=0)
    if not isinstance(locked, bool):
        raise TypeError(f"locked must be True or False, got {locked!r}")
    if "counter" not in _shared:
        raise RuntimeError("no counter installed: start the pool with initializer=install")
    counter, barrier = _shared["counter"], _shared["barrier"]
    if barrier is not None:
        barrier.wait(timeout=20)  # everyone starts together (BrokenBarrierError, never a hang)
    if locked:
        for _ in range(increments):
            with counter.get_lock():  # one critical section around read, add and write
                counter.value += 1
    else:
        for _ in range(increments):
            counter.value += 1  # a locked read, then a locked write: two critical sections
    return os.getpid()


def add_one(counter: Any) -> int:
    """Worker meant to receive a ``Value`` as its argument: add 1 under its lock.

    Sent through ``map``/``apply_async`` arguments it never runs: pickling the ``Value``
    raises ``RuntimeError`` in the parent first.

    >>> import multiprocessing
    >>> v = multiprocessing.Value("i", 41)
    >>> add_one(v)
    42
    """
    if not hasattr(counter, "get_lock"):
        raise TypeError(f"counter must be a multiprocessing.Value, got {type(counter).__name__}")
    with counter.get_lock():
        counter.value += 1
        return counter.value


def lost_fraction(finals: Sequence[int], expected: int) -> float:
    """Mean fraction of increments lost over runs that should each end at ``expected``.

    >>> lost_fraction([10, 10], expected=10)
    0.0
    """
    _check_int("expected", expected, lowest=1)
    finals = list(finals)
    if not finals:
        raise ValueError("finals must hold at least one run's final value")
    if not all(isinstance(f, int) and not isinstance(f, bool) for f in finals):
        raise TypeError("finals must be ints (the counter's final values)")
    if any(f < 0 or f > expected for f in finals):
        raise ValueError(f"every final value must be between 0 and {expected}, got {finals}")
    return sum(expected - f for f in finals) / (expected * len(finals))


# ---- 4 · Manager proxies and the cost of one operation ----

def append_to(task: tuple[Any, int]) -> int:
    """Pool worker: append ``item`` to a Manager list proxy; returns this worker's pid.

    A proxy *can* travel in ``map`` arguments: it pickles as the manager's address and the
    object's id, and reconnects in the worker.

    >>> box = []
    >>> append_to((box, 3)) == os.getpid(), box
    (True, [3])
    """
    if not (isinstance(task, tuple) and len(task) == 2):
        raise TypeError(f"task must be a (list_proxy, item) tuple, got {task!r}")
    target, item = task
    if not hasattr(target, "append"):
        raise TypeError(f"the first element must have .append(), got {type(target).__name__}")
    target.append(item)
    return os.getpid()


def per_op_seconds(op: Callable[[int], Any], n: int, *, repeat: int = 5) -> float:
    """Seconds per call of ``op(i)``, from the fastest of ``repeat`` loops of ``n`` calls.

    The fastest loop is the least disturbed by other programs; the loop's own cost is
    included (about 30 ns per call), so cheap operations look slightly dearer than they are.

    >>> store = {}
    >>> 0 < per_op_seconds(lambda i: store.__setitem__(i, i), 100, repeat=2) < 0.01
    True
    """
    if not callable(op):
        raise TypeError(f"op must be callable, got {type(op).__name__}")
    _check_int("n", n, lowest=1)
    _check_int("repeat", repeat, lowest=1)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for i in range(n):
            op(i)
        best = min(best, time.perf_counter() - start)
    return best / n


# ---- 5 · shared_memory with NumPy ----

def formula(start: int, stop: int) -> np.ndarray:
    """The values the fill writes at indices ``start .. stop-1``: ``sqrt(i) + 0.5 i``.

    Only correctly rounded operations (sqrt, multiply, add), so any process, any slice and
    any SIMD path give bit-identical results.

    >>> formula(4, 6).tolist()
    [4.0, 4.73606797749979]
    """
    _check_int("start", start, lowest=0)
    _check_int("stop", stop, lowest=start)
    i = np.arange(start, stop, dtype=np.float64)
    return np.sqrt(i) + 0.5 * i


def chunk_bounds(n: int, parts: int) -> list[tuple[int, int]]:
    """Split ``range(n)`` into ``parts`` contiguous ``(start, stop)`` slices, sizes within one.

    >>> chunk_bounds(7, 2)
    [(0, 4), (4, 7)]
    >>> chunk_bounds(2, 4)
    [(0, 1), (1, 2), (2, 2), (2, 2)]
    """
    _check_int("n", n, lowest=0)
    _check_int("parts", parts, lowest=1)
    size, extra = divmod(n, parts)
    bounds, start = [], 0
    for part in range(parts):
        stop = start + size + (1 if part < extra else 0)
        bounds.append((start, stop))
        start = stop
    return bounds


def fill_slice(task: tuple[str, int, int, int]) -> tuple[int, int, int]:
    """Pool worker: attach to shared block ``name`` (``n`` float64) and fill ``[start, stop)``.

    Only the block's *name* and three small numbers travel to the worker; the array is written
    in place. The worker closes its own mapping whatever happens (``finally``), but never
    unlinks: the block belongs to the parent. Returns ``(start, stop, pid)``.

    >>> with shared_ndarray(4) as (array, name):
    ...     _ = fill_slice((name, 4, 1, 3))
    ...     filled = array.tolist()
    ...     del array
    >>> filled == [0.0] + formula(1, 3).tolist() + [0.0]
    True
    """
    if not (isinstance(task, tuple) and len(task) == 4):
        raise TypeError(f"task must be a (name, n, start, stop) tuple, got {task!r}")
    name, n, start, stop = task
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    block = shared_memory.SharedMemory(name=name)
    array = None
    try:
        if not (isinstance(n, int) and 0 <= n * 8 <= block.size):
            raise ValueError(f"n={n!r} float64 values do not fit the {block.size}-byte block")
        if not (isinstance(start, int) and isinstance(stop, int) and 0 <= start <= stop <= n):
            raise ValueError(f"need 0 <= start <= stop <= n={n}, got start={start!r}, "
                             f"stop={stop!r}")
        array = np.frombuffer(block.buf, dtype=np.float64, count=n)  # a view, no copy
        array[start:stop] = formula(start, stop)
    finally:
        array = None  # drop the view first: close() refuses while it exists
        block.close()
    return start, stop, os.getpid()


@contextmanager
def shared_ndarray(
    n: int, *, names: list[str] | None = None
) -> Iterator[tuple[np.ndarray, str]]:
    """Create a zeroed shared block of ``n`` float64 values; yield ``(array view, block name)``.

    On exit, even after an error, the block is unlinked (its name removed, so nothing leaks)
    and closed. Drop every view of it (``del array``) inside the block: ``close()`` cannot
    release memory that a NumPy array still uses. ``names`` collects the block's name.

    >>> with shared_ndarray(3) as (array, name):
    ...     array[:] = 7
    ...     total = float(array.sum())
    ...     del array
    >>> total, block_exists(name)
    (21.0, False)
    """
    _check_int("n", n, lowest=1)
    if names is not None and not isinstance(names, list):
        raise TypeError(f"names must be a list or None, got {type(names).__name__}")
    block = shared_memory.SharedMemory(create=True, size=n * 8)
    if names is not None:
        names.append(block.name)
    array, body_failed = None, True
    try:
        # np.frombuffer holds on to the buffer, so close() refuses (BufferError) while a view
        # lives; np.ndarray(buffer=...) does not, and a view used after close() crashes.
        array = np.frombuffer(block.buf, dtype=np.float64, count=n)
        array[:] = 0.0  # zeroed on Linux anyway; not promised everywhere
        yield array, block.name
        body_failed = False
    finally:
        array = None  # drop this frame's view, so close() can release the buffer
        block.unlink()  # first: the name must go even if a caller's view pins the mapping
        try:
            block.close()
        except BufferError as error:
            # A view outlived the block. Leave the mapping to that view (it is unmapped when
            # the last view goes) and close the rest, so SharedMemory.__del__ cannot fail later.
            block._mmap = None  # private, but the same attribute from 3.8 to 3.14
            block.close()
            if not body_failed:  # otherwise let the body's own error through, unmasked
                raise BufferError("a NumPy view of the shared block is still alive: `del` "
                                  "every view inside the with block") from error


def parallel_fill(
    pool: Any, n: int, workers: int, *, names: list[str] | None = None, timeout: float = 60.0
) -> np.ndarray:
    """Fill a shared array of ``n`` values with ``formula`` on ``pool``; return a private copy.

    Each of ``workers`` tasks fills one contiguous slice in place. The block is removed on
    the way out even when a worker raises (the error is re-raised here).

    >>> from multiprocessing.pool import ThreadPool
    >>> with ThreadPool(2) as pool:
    ...     filled = parallel_fill(pool, 10, 2)
    >>> bool(np.array_equal(filled, formula(0, 10)))
    True
    """
    if not hasattr(pool, "map_async"):
        raise TypeError(f"pool must be a Pool (with map_async), got {type(pool).__name__}")
    _check_int("workers", workers, lowest=1)
    with shared_ndarray(n, names=names) as (array, name):
        try:
            tasks = [(name, n, start, stop) for start, stop in chunk_bounds(n, workers)]
            pool.map_async(fill_slice, tasks, chunksize=1).get(timeout=timeout)
            result = array.copy()
        finally:
            del array  # drop the view, even when a worker raised, so the block can close
    return result


def nbytes_of(array: np.ndarray) -> int:
    """Pool worker: receive a whole array (pickled, piped, unpickled) and return its size.

    >>> nbytes_of(np.zeros(3))
    24
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"array must be a NumPy array, got {type(array).__name__}")
    return int(array.nbytes)


def nbytes_in_block(name: str) -> int:
    """Pool worker: receive only a block's name, attach, and return the block's size.

    >>> with shared_ndarray(3) as (array, name):
    ...     del array
    ...     nbytes_in_block(name) >= 24
    True
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a shared-memory block name (str), got {name!r}")
    block = shared_memory.SharedMemory(name=name)
    try:
        return block.size
    finally:
        block.close()


def pickle_round_trip_seconds(array: np.ndarray, *, repeat: int = 3) -> float:
    """Fastest time to ``pickle.dumps`` then ``pickle.loads`` ``array`` in this process.

    >>> pickle_round_trip_seconds(np.zeros(10), repeat=1) > 0
    True
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"array must be a NumPy array, got {type(array).__name__}")
    _check_int("repeat", repeat, lowest=1)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        pickle.loads(pickle.dumps(array))
        best = min(best, time.perf_counter() - start)
    return best


def block_exists(name: str) -> bool:
    """Whether a shared-memory block called ``name`` still exists on this machine.

    On Linux it looks for the file in ``/dev/shm`` (it touches nothing). Elsewhere it tries
    to attach: ``FileNotFoundError`` means the block is gone.

    >>> block_exists("no-such-block-for-the-course")
    False
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {name!r}")
    if SHM_FOLDER.is_dir():
        return (SHM_FOLDER / name.lstrip("/")).exists()
    try:  # pragma: no cover - not Linux
        if sys.version_info >= (3, 13):
            block = shared_memory.SharedMemory(name=name, track=False)
        else:
            block = shared_memory.SharedMemory(name=name)
            from multiprocessing import resource_tracker
            resource_tracker.unregister(block._name, "shared_memory")
    except FileNotFoundError:
        return False
    block.close()  # pragma: no cover
    return True  # pragma: no cover


# ---- 6 · sharing by communicating ----

def sum_to_pipe(conn: Any, start: int, stop: int) -> None:
    """Process target: send ``formula(start, stop).sum()`` through ``conn``, then close it.

    >>> from multiprocessing import Pipe
    >>> receiver, sender = Pipe(duplex=False)
    >>> sum_to_pipe(sender, 0, 4)
    >>> receiver.recv() == float(formula(0, 4).sum())
    True
    """
    if not hasattr(conn, "send"):
        raise TypeError(f"conn must be a Connection with .send(), got {type(conn).__name__}")
    try:
        conn.send(float(formula(start, stop).sum()))
    finally:
        conn.close()


# ---- exercise checkers: they print feedback and return True only for a correct answer ----

#: Exercise 1: statements run by several processes at once on ``v = Value("i", 0)`` and
#: ``a = Array("d", 10)`` (both with their default lock), and whether they lose updates.
STATEMENTS = {
    "v.value = 5": (
        "safe", "a single write, done under the Value's lock"),
    "v.value += 1": (
        "racy", "a locked read, then a locked write: another process can write in between"),
    "with v.get_lock(): v.value += 1": (
        "safe", "read, add and write all happen inside one critical section (the lock is "
        "recursive, so the inner get and set may take it again)"),
    "a[3] = a[3] * 2": (
        "racy", "two separately locked item accesses, the same gap as +="),
    "total = sum(a[:])": (
        "safe", "a[:] copies the whole array under one acquisition of the lock"),
    "with a.get_lock(): a[0] += a[1]": (
        "safe", "both reads and the write inside one critical section"),
}


def check_statements(answers: dict[str, str]) -> bool:
    """Exercise 1: ``answers`` maps each statement in ``STATEMENTS`` to "safe" or "racy"."""
    if not isinstance(answers, dict):
        raise TypeError("answers must be a dict: statement -> 'safe' or 'racy'")
    problems = []
    for statement, (right, _why) in STATEMENTS.items():
        got = answers.get(statement)
        if got not in ("safe", "racy"):
            problems.append(f"{statement!r}: answer 'safe' or 'racy' (got {got!r})")
        elif got != right:
            problems.append(f"{statement!r}: not {got}. Count the critical sections: is "
                            "anything read in one and written in another?")
    return feedback(problems, "all right: " + "; ".join(
        f"{s} -> {r} ({why})" for s, (r, why) in STATEMENTS.items()))


def check_chunks(split: Callable[[int, int], Sequence[tuple[int, int]]]) -> bool:
    """Exercise 2: does ``split(n, parts)`` cut ``range(n)`` into ``parts`` even slices?"""
    if not callable(split):
        raise TypeError("pass your function itself: check_chunks(my_chunks)")
    problems = []
    for n, parts in [(10, 2), (10, 3), (7, 4), (1, 3), (0, 2), (1_000_003, 8)]:
        try:
            got = split(n, parts)
        except Exception as error:  # the learner's code: report, do not crash the cell
            problems.append(f"split({n}, {parts}) raised {error!r}")
            continue
        if got is None:
            problems.append("your function returns None. Replace the `...` with your code.")
            break
        try:
            bounds = [(int(a), int(b)) for a, b in got]
        except (TypeError, ValueError):
            problems.append(f"split({n}, {parts}) must give (start, stop) pairs, got {got!r}")
            continue
        label = f"split({n}, {parts})"
        if len(bounds) != parts:
            problems.append(f"{label}: {len(bounds)} slices, expected one per worker ({parts})")
            continue
        covered = [i for a, b in bounds for i in range(a, b)] if n < 100 else None
        if bounds[0][0] != 0 or bounds[-1][1] != n or any(
                bounds[k][1] != bounds[k + 1][0] for k in range(parts - 1)):
            problems.append(f"{label} = {bounds}: slices must start at 0, end at {n}, and "
                            "each start where the previous stopped (no gap, no overlap)")
        elif covered is not None and covered != list(range(n)):
            problems.append(f"{label} = {bounds}: some start is after its stop")
        else:
            sizes = [b - a for a, b in bounds]
            if min(sizes) < 0 or max(sizes) - min(sizes) > 1:
                problems.append(f"{label}: slice sizes {sizes[:8]} differ by more than one; "
                                "one slow worker then makes everyone wait")
    return feedback(problems, "every split covers the array exactly once, in even slices")


#: Exercise 3: situations, the right way to share for each, and why.
SITUATIONS = {
    "count events seen by 4 workers (one number)": (
        "Value", "one small number; update it under get_lock(), or better, add local counts once"),
    "workers build one 500 MB NumPy image, each writing its own rows": (
        "shared_memory", "large array, disjoint writes, no copy"),
    "workers add entries to a dict of results with string keys, a few per second": (
        "Manager", "arbitrary Python objects, few operations: a round trip each is affordable"),
    "workers process 10 000 independent files and hand back a summary of each": (
        "Queue", "nothing needs sharing: send each result back (a pool's return value does it)"),
}
MECHANISMS = ("Value", "shared_memory", "Manager", "Queue")


def check_mechanism(choice: dict[str, str]) -> bool:
    """Exercise 3: ``choice`` maps each situation in ``SITUATIONS`` to one of ``MECHANISMS``."""
    if not isinstance(choice, dict):
        raise TypeError("choice must be a dict: situation -> one of " + ", ".join(MECHANISMS))
    problems = []
    for situation, (right, _why) in SITUATIONS.items():
        got = choice.get(situation)
        if got not in MECHANISMS:
            problems.append(f"{situation!r}: answer one of {MECHANISMS} (got {got!r})")
        elif got != right:
            problems.append(f"{situation!r}: not {got}. How big is the data, how often is "
                            "it touched, and does it need sharing at all?")
    return feedback(problems, "every situation has the right tool: " + "; ".join(
        f"{s} -> {r} ({why})" for s, (r, why) in SITUATIONS.items()))
