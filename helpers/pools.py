"""Workers, a chunking model, measurements and checkers for notebook 02 (process and thread pools).

Everything a worker process runs lives here, so that every start method can import it by name.

>>> sleep_task((3, 0.0))
3
>>> default_chunksize(tasks=100, workers=4)
7
>>> predict_makespan([1.0, 1.0, 1.0, 1.0], workers=2, chunksize=1)
2.0
"""

from __future__ import annotations

import heapq
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from multiprocessing.pool import Pool
from typing import TYPE_CHECKING, Any, TextIO

from helpers.checks import feedback
from helpers.tracing import Span, Traced

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# matplotlib is imported inside arrival_figure only: every spawned or forkserver worker imports
# this module, and a lighter module starts faster.

# ---------------------------------------------------------------------------------------------
# Workers: module-level functions, so a child process can import them under any start method.
# ---------------------------------------------------------------------------------------------


def _check_number(name: str, value: Any, *, lowest: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not value >= lowest:
        raise ValueError(f"{name} must be >= {lowest}, got {value}")
    return value


def _check_int(name: str, value: Any, *, lowest: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < lowest:
        raise ValueError(f"{name} must be >= {lowest}, got {value}")
    return value


def sleep_task(inputs: tuple[int, float]) -> int:
    """Wait ``seconds`` (a stand-in for a task of known length) and return the task number.

    >>> sleep_task((7, 0.01))
    7
    """
    if not (isinstance(inputs, tuple) and len(inputs) == 2):
        raise TypeError(f"expected a (task_number, seconds) tuple, got {inputs!r}")
    task, seconds = inputs
    time.sleep(_check_number("seconds", seconds))
    return task


def spin(n: int) -> int:
    """Pure-Python CPU work that grows with ``n``: the sum of squares below ``n``.

    >>> spin(4)  # 0 + 1 + 4 + 9
    14
    """
    total = 0
    for i in range(_check_int("n", n, lowest=0)):
        total += i * i
    return total


def echo(payload: Any) -> Any:
    """Return the argument unchanged: it is pickled on the way in *and* on the way out.

    >>> echo(b"abc")
    b'abc'
    """
    return payload


def size_of(payload: bytes) -> int:
    """Return the payload's length: it crosses one way, only a small int comes back.

    >>> size_of(bytes(10))
    10
    """
    if not isinstance(payload, (bytes, bytearray)):
        raise TypeError(f"payload must be bytes, got {type(payload).__name__}")
    return len(payload)


def fail_on(inputs: tuple[int, int]) -> int:
    """Return ``task * 10``, but raise ``ValueError`` when ``task == bad``.

    >>> fail_on((2, 5))
    20
    """
    task, bad = inputs
    if task == bad:
        raise ValueError(f"task {task} failed on purpose")
    return task * 10


def die(code: int) -> None:
    """End the worker process at once with ``os._exit(code)``: no exception, no clean-up.

    (A doctest cannot call this: it would end the test run.)
    """
    os._exit(_check_int("code", code, lowest=0))


# The initializer pattern: data sent once per worker, kept in a module global.
_TABLE: Sequence[float] | None = None


def init_table(table: Sequence[float]) -> None:
    """Pool ``initializer``: keep ``table`` in this worker for :func:`lookup`.

    >>> init_table([0.5, 1.5]); lookup(1)
    1.5
    """
    global _TABLE
    _TABLE = table


def lookup(index: int) -> float:
    """Read ``table[index]`` from the table :func:`init_table` stored in this worker."""
    if _TABLE is None:
        raise RuntimeError("no table in this worker: create the pool with "
                           "initializer=init_table, initargs=(table,)")
    return float(_TABLE[index])


def lookup_in(inputs: tuple[Sequence[float], int]) -> float:
    """Read ``table[index]`` from a table sent *with every task*.

    >>> lookup_in(([0.5, 1.5], 0))
    0.5
    """
    table, index = inputs
    return float(table[index])


# ---------------------------------------------------------------------------------------------
# How Pool.map splits the work, as a model.
# ---------------------------------------------------------------------------------------------


def default_chunksize(tasks: int, workers: int) -> int:
    """``Pool.map``'s chunk size when none is given: about four chunks per worker.

    It is ``ceil(tasks / (4 * workers))`` (at least 1), as in ``multiprocessing/pool.py``.
    ``imap``, ``imap_unordered`` and ``ProcessPoolExecutor.map`` default to 1 instead.

    >>> default_chunksize(10, 2), default_chunksize(16, 2), default_chunksize(1, 8)
    (2, 2, 1)
    """
    _check_int("tasks", tasks, lowest=0)
    _check_int("workers", workers)
    chunksize, extra = divmod(tasks, workers * 4)
    return max(1, chunksize + (1 if extra else 0))


def chunk_durations(durations: Sequence[float], chunksize: int) -> list[float]:
    """Group consecutive task durations into chunks of ``chunksize``; return each chunk's total.

    >>> chunk_durations([1, 2, 3, 4, 5], 2)
    [3, 7, 5]
    """
    _check_int("chunksize", chunksize)
    durations = list(durations)
    for value in durations:
        _check_number("every duration", value)
    return [sum(durations[i:i + chunksize]) for i in range(0, len(durations), chunksize)]


def predict_makespan(
    durations: Sequence[float], workers: int, chunksize: int, overhead: float = 0.0
) -> float:
    """Predict a batch's wall time: chunks go, in order, to whichever worker is free first.

    That is what ``Pool.map`` and ``imap`` do: every chunk waits in one queue, and a worker
    takes the next one when it has finished its last. ``overhead`` is added per chunk (sending
    it and its results across).

    >>> predict_makespan([4, 1, 1, 1, 1], workers=2, chunksize=1)
    4.0
    >>> predict_makespan([4, 1, 1, 1, 1], workers=2, chunksize=3)
    6.0
    """
    _check_int("workers", workers)
    _check_number("overhead", overhead)
    chunks = chunk_durations(durations, chunksize)
    free_at = [0.0] * workers  # a heap of the times at which each worker becomes free
    for chunk in chunks:
        heapq.heappush(free_at, heapq.heappop(free_at) + chunk + overhead)
    return max(free_at) if chunks else 0.0


def makespan_lower_bound(durations: Sequence[float], workers: int, chunksize: int) -> float:
    """No schedule beats this: all workers busy all the time, and the longest chunk is one piece.

    >>> makespan_lower_bound([4, 1, 1, 1, 1], workers=2, chunksize=1)
    4.0
    """
    _check_int("workers", workers)
    chunks = chunk_durations(durations, chunksize)
    return max(sum(chunks) / workers, max(chunks, default=0.0))


def uneven_durations(tasks: int = 16, long: int = 4, long_s: float = 0.15,
                     short_s: float = 0.03) -> list[float]:
    """Task lengths for the chunking experiment: the first ``long`` tasks are long.

    >>> uneven_durations(4, 1, 1.0, 0.5)
    [1.0, 0.5, 0.5, 0.5]
    """
    _check_int("tasks", tasks)
    _check_int("long", long, lowest=0)
    if long > tasks:
        raise ValueError(f"long ({long}) cannot exceed tasks ({tasks})")
    _check_number("long_s", long_s)
    _check_number("short_s", short_s)
    return [long_s] * long + [short_s] * (tasks - long)


# ---------------------------------------------------------------------------------------------
# Measurements.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """One batch of :func:`sleep_task` tasks on a pool: results, spans and wall time."""

    chunksize: int
    results: list[int]
    spans: list[Span]
    elapsed: float


def warm_up(pool: Pool, workers: int, timeout: float = 60.0) -> None:
    """Make sure every worker of ``pool`` has started, so start-up is not timed with the batch."""
    _check_int("workers", workers)
    pool.map_async(sleep_task, [(i, 0.05) for i in range(2 * workers)], chunksize=1).get(timeout)


def run_batch(pool: Pool, durations: Sequence[float], chunksize: int,
              timeout: float = 60.0) -> Batch:
    """Run one :func:`sleep_task` per duration with ``pool.map_async``; time it from the parent."""
    _check_int("chunksize", chunksize)
    tasks = [(i, float(d)) for i, d in enumerate(durations)]
    start = time.perf_counter()
    outcomes = pool.map_async(Traced(sleep_task), tasks, chunksize=chunksize).get(timeout)
    elapsed = time.perf_counter() - start
    return Batch(chunksize, [o.value for o in outcomes], [o.span for o in outcomes], elapsed)


@dataclass(frozen=True)
class Arrival:
    """When a task ran in a worker and when its result reached the parent (s since submit)."""

    task: int
    start: float
    end: float
    arrived: float


ORDER_APIS = ("Pool.map", "Pool.imap", "Pool.imap_unordered", "Executor.map", "as_completed")


def arrivals(api: str, pool: Pool | Executor, durations: Sequence[float],
             timeout: float = 60.0) -> list[Arrival]:
    """Run one :func:`sleep_task` per duration through ``api``; record every result's arrival.

    The list is in the order the results were *handed to the caller*. ``Pool.*`` APIs need a
    ``multiprocessing`` pool, the other two a ``concurrent.futures`` executor; chunk size 1.
    """
    if api not in ORDER_APIS:
        raise ValueError(f"api must be one of {ORDER_APIS}, got {api!r}")
    wanted = Pool if api.startswith("Pool") else Executor
    if not isinstance(pool, wanted):
        raise TypeError(f"{api} needs a {wanted.__module__}.{wanted.__name__}, "
                        f"got {type(pool).__name__}")
    tasks = [(i, float(d)) for i, d in enumerate(durations)]
    traced = Traced(sleep_task)
    got: list[tuple[Any, float]] = []
    origin = time.perf_counter()
    if api == "Pool.map":
        results = pool.map_async(traced, tasks, chunksize=1).get(timeout)
        now = time.perf_counter()
        got = [(r, now) for r in results]
    elif api in ("Pool.imap", "Pool.imap_unordered"):
        method = pool.imap if api == "Pool.imap" else pool.imap_unordered
        iterator = method(traced, tasks, chunksize=1)
        for _ in tasks:
            got.append((iterator.next(timeout), time.perf_counter()))
    elif api == "Executor.map":
        for result in pool.map(traced, tasks, timeout=timeout):
            got.append((result, time.perf_counter()))
    else:
        futures = [pool.submit(traced, task) for task in tasks]
        for future in as_completed(futures, timeout=timeout):
            got.append((future.result(), time.perf_counter()))
    return [Arrival(r.value, r.span.start - origin, r.span.end - origin, t - origin)
            for r, t in got]


def pool_round_trip(method: str, workers: int = 2, timeout: float = 60.0) -> float:
    """Seconds to start a ``Pool`` with ``method``, run one trivial task and shut it down.

    >>> pool_round_trip("spawn", workers=1) > 0
    True
    """
    import multiprocessing

    if method not in multiprocessing.get_all_start_methods():
        raise ValueError(f"method must be one of {multiprocessing.get_all_start_methods()}, "
                         f"got {method!r}")
    _check_int("workers", workers)
    context = multiprocessing.get_context(method)
    start = time.perf_counter()
    with context.Pool(workers) as pool:
        pool.apply_async(echo, (0,)).get(timeout)
    return time.perf_counter() - start


def best_of(func: Callable[[], Any], repeat: int = 3) -> float:
    """The fastest of ``repeat`` timed calls: other programs only ever slow a run down.

    >>> best_of(lambda: None, repeat=2) >= 0
    True
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    _check_int("repeat", repeat)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def break_even(sizes: Sequence[float], ratios: Sequence[float]) -> float | None:
    """The task size where ``ratios`` (pool time / sequential time) first drops to 1.

    Interpolates on log scales between the two measured sizes around the crossing; ``None``
    when the pool never wins, and the first size when it always does.

    >>> round(break_even([10, 100, 1000], [4.0, 2.0, 0.5]), 1)
    316.2
    >>> break_even([10, 100], [3.0, 2.0]) is None
    True
    """
    if len(sizes) != len(ratios) or not sizes:
        raise ValueError("sizes and ratios must be non-empty and of the same length")
    for name, values in (("sizes", sizes), ("ratios", ratios)):
        for value in values:
            if _check_number(name, value) <= 0:
                raise ValueError(f"every value in {name} must be > 0, got {value}")
    if ratios[0] <= 1:
        return float(sizes[0])
    for i in range(len(sizes) - 1):
        (s0, r0), (s1, r1) = (sizes[i], ratios[i]), (sizes[i + 1], ratios[i + 1])
        if r1 <= 1 < r0:
            fraction = math.log(r0) / (math.log(r0) - math.log(r1))
            return float(math.exp(math.log(s0) + fraction * (math.log(s1) - math.log(s0))))
    return None


# ---------------------------------------------------------------------------------------------
# A progress bar that works in JupyterLab and in a terminal, and never writes to stderr here.
# ---------------------------------------------------------------------------------------------


def widgets_available() -> bool:
    """Whether ipywidgets can be imported (tqdm then draws a widget in Jupyter)."""
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def progress(iterable: Iterable[Any], total: int, desc: str = "",
             widget: bool | None = None, file: TextIO | None = None) -> Iterator[Any]:
    """Wrap ``iterable`` in a tqdm progress bar.

    ``widget=None`` chooses: ``tqdm.auto`` when ipywidgets is installed (a widget in Jupyter,
    text on stderr in a terminal); otherwise plain tqdm writing text to **stdout**, because
    ``tqdm.auto`` without ipywidgets warns on stderr in Jupyter. ``file`` redirects the text.

    >>> import io
    >>> out = io.StringIO()
    >>> list(progress(range(3), total=3, desc="tasks", widget=False, file=out))
    [0, 1, 2]
    >>> "tasks: 100%" in out.getvalue()
    True
    """
    _check_int("total", total, lowest=0)
    if not isinstance(desc, str):
        raise TypeError(f"desc must be a str, got {type(desc).__name__}")
    if widget is None:
        widget = widgets_available()
    if widget:
        from tqdm.auto import tqdm

        return iter(tqdm(iterable, total=total, desc=desc))
    from tqdm import tqdm as text_tqdm

    return iter(text_tqdm(iterable, total=total, desc=desc, file=file or sys.stdout, ascii=True))


# ---------------------------------------------------------------------------------------------
# Pictures.
# ---------------------------------------------------------------------------------------------


def arrival_figure(runs: dict[str, list[Arrival]], title: str = "") -> Axes:
    """One panel per API: a bar while each task ran, a dot when its result reached the caller.

    Returns the last panel's Axes (they share the time axis).
    """
    import matplotlib.pyplot as plt

    from helpers.plots import OKABE_ITO

    if not isinstance(runs, dict) or not runs:
        raise ValueError("runs must be a non-empty dict: api -> list of Arrival")
    tasks = max(len(r) for r in runs.values())
    fig, axes = plt.subplots(len(runs), 1, sharex=True, layout="constrained",
                             figsize=(8, 0.5 + len(runs) * (0.3 + 0.18 * tasks)))
    axes = [axes] if len(runs) == 1 else list(axes)
    for ax, (api, records) in zip(axes, runs.items(), strict=True):
        for position, record in enumerate(records):
            ax.barh(record.task, record.end - record.start, left=record.start, height=0.6,
                    color=OKABE_ITO[0], alpha=0.45)
            ax.plot([record.end, record.arrived], [record.task] * 2, ":", color=OKABE_ITO[7],
                    linewidth=1)
            ax.plot(record.arrived, record.task, "o", color=OKABE_ITO[5], markersize=5)
            ax.annotate(str(position + 1), (record.arrived, record.task), fontsize=7,
                        xytext=(4, -3), textcoords="offset points")
        ax.set_yticks(range(tasks))
        ax.invert_yaxis()
        ax.set_ylabel("task", fontsize=8)
        ax.set_title(api, fontsize=9, loc="left")
    axes[-1].set_xlabel("time since the batch was submitted (s)   "
                        "bar: running in a worker · dot: result handed over (n-th)")
    fig.suptitle(title)
    return axes[-1]


# ---------------------------------------------------------------------------------------------
# Exercise checkers: they print feedback and return True only for a right answer.
# ---------------------------------------------------------------------------------------------


def check_default_chunksize(guess: Callable[[int, int], int]) -> bool:
    """Exercise 1: does ``guess(tasks, workers)`` give ``Pool.map``'s default chunk size?"""
    if not callable(guess):
        raise TypeError("pass your function itself: check_default_chunksize(my_chunksize)")
    cases = [(100, 4), (10, 2), (16, 2), (17, 2), (1, 8), (1000, 3), (8, 1), (0, 2)]
    problems, answers = [], []
    for tasks, workers in cases:
        expected = default_chunksize(tasks, workers)
        try:
            got = guess(tasks, workers)
        except Exception as error:  # the learner's code: report, do not crash the cell
            problems.append(f"guess({tasks}, {workers}) raised {error!r}")
            continue
        answers.append(got)
        if got != expected:
            problems.append(f"{tasks} tasks on {workers} workers: expected {expected}, got "
                            f"{got!r}. Hint: about four chunks per worker, rounded up, at least 1.")
    return feedback(problems, "your chunk size matches multiprocessing's in every case", answers)


def check_makespan(predict: Callable[[Sequence[float], int, int], float]) -> bool:
    """Exercise 2: does ``predict(durations, workers, chunksize)`` give the batch's wall time?"""
    if not callable(predict):
        raise TypeError("pass your function itself: check_makespan(my_predict)")
    cases = [([1.0] * 4, 2, 1), ([4.0, 1, 1, 1, 1], 2, 1), ([4.0, 1, 1, 1, 1], 2, 3),
             ([0.5, 0.1, 0.1, 0.1, 0.1, 0.1], 3, 2), ([1.0, 2.0, 3.0], 5, 1),
             (uneven_durations(), 4, 4)]
    problems, answers = [], []
    for durations, workers, chunksize in cases:
        expected = predict_makespan(durations, workers, chunksize)
        try:
            got = predict(list(durations), workers, chunksize)
        except Exception as error:  # the learner's code: report, do not crash the cell
            problems.append(f"predict({durations}, {workers}, {chunksize}) raised {error!r}")
            continue
        answers.append(got)
        if not isinstance(got, (int, float)) or not math.isclose(got, expected, rel_tol=1e-9):
            problems.append(f"{durations} on {workers} workers, chunksize {chunksize}: expected "
                            f"{expected:.3g} s, got {got!r}. Hint: cut into chunks first, then "
                            "give each chunk to the worker that is free earliest.")
    return feedback(problems, "your model predicts every batch like the reference model", answers)


#: Scenarios for exercise 3, with the API that fits and why.
SCENARIOS = {
    "show each result as soon as it is ready, in any order": (
        "as_completed", "it yields futures in the order they finish"),
    "write results to a file in input order while later tasks still run": (
        "imap", "it yields in input order, one result at a time, without waiting for all"),
    "a million tiny tasks, all results needed as one list": (
        "map", "Pool.map chunks the work by default (about 4 chunks per worker)"),
    "one odd-shaped call now, its result later, maybe cancel it": (
        "submit", "a Future can be waited on with a timeout, or cancelled while pending"),
}
API_CHOICES = ("map", "imap", "as_completed", "submit")


def check_api_choice(choice: dict[str, str]) -> bool:
    """Exercise 3: ``choice`` maps each scenario in ``SCENARIOS`` to one of ``API_CHOICES``."""
    if not isinstance(choice, dict):
        raise TypeError("choice must be a dict: scenario -> one of " + ", ".join(API_CHOICES))
    problems = []
    for scenario, (answer, _reason) in SCENARIOS.items():
        got = choice.get(scenario)
        if got not in API_CHOICES:
            problems.append(f"{scenario!r}: answer one of {API_CHOICES} (got {got!r})")
        elif got != answer:
            problems.append(f"{scenario!r}: not {got} - think about order and about when "
                            "the caller gets the results")
    return feedback(problems, "every scenario has the right API: " + "; ".join(
        f"{s} -> {a} ({r})" for s, (a, r) in SCENARIOS.items()))
