"""The capstone (notebook 12): one CPU task made faster every way, and how to choose.

The task is the article's ``costly_task`` (``helpers.gil.burn_cpu``: the sum of ``log(i + 1)``
and ``i ** 1.1`` over ``terms`` integers). The plain-Python, math-module and NumPy versions live
in :mod:`helpers.gil`; the numba kernels live here, with the runners that spread tasks over
threads or processes, the speedup chart and the decision guide.

>>> from helpers.gil import burn_cpu_math
>>> tasks = make_tasks(count=2, terms=1000)
>>> abs(burn_numba(tasks[0]) / burn_cpu_math(tasks[0]) - 1) < 1e-12
True
"""

from __future__ import annotations

import importlib.util
import math
import sys
import sysconfig
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from numba import njit, prange

from helpers.checks import feedback
from helpers.machine import gil_enabled, mp_context
from helpers.plots import OKABE_ITO

#: 8 tasks of 50 000 terms (the article: 10 of 500 000): the slowest way takes about half a
#: second here. Raise both to see the same shapes at full size.
TASKS = 8
TERMS = 50_000


def make_tasks(count: int = TASKS, terms: int = TERMS) -> list[tuple[int, int]]:
    """The same input for every variant: ``count`` tasks ``(task_number, terms)``.

    >>> make_tasks(count=2, terms=10)
    [(0, 10), (1, 10)]
    """
    for name, value in (("count", count), ("terms", terms)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    return [(task, terms) for task in range(count)]


def _terms(inputs: Any) -> int:
    if not (isinstance(inputs, tuple) and len(inputs) == 2):
        raise TypeError(f"expected a (task_number, terms) tuple, got {inputs!r}")
    terms = inputs[1]
    if isinstance(terms, bool) or not isinstance(terms, int):
        raise TypeError(f"terms must be an int, got {type(terms).__name__}")
    if terms < 1:
        raise ValueError(f"terms must be >= 1, got {terms}")
    return terms


# ---- numba kernels: the same loop, compiled three ways (no cache=True: nothing is written) ----

@njit
def _sum_serial(n):
    total = 0.0
    for i in range(n):
        total += math.log(i + 1.0) + i**1.1
    return total


@njit(parallel=True)
def _sum_parallel(n):
    total = 0.0
    for i in prange(n):  # numba splits the range over its threads and adds the partial sums
        total += math.log(i + 1.0) + i**1.1
    return total


@njit(nogil=True)
def _sum_nogil(n):
    total = 0.0
    for i in range(n):
        total += math.log(i + 1.0) + i**1.1
    return total


def burn_numba(inputs: tuple[int, int]) -> float:
    """The task compiled by numba: one loop of machine code, no Python object per term.

    >>> round(burn_numba((0, 3)), 6)
    4.935306
    """
    return float(_sum_serial(_terms(inputs)))


def burn_numba_parallel(inputs: tuple[int, int]) -> float:
    """The task compiled with ``parallel=True``: ``prange`` spreads the terms over threads.

    >>> round(burn_numba_parallel((0, 3)), 6)
    4.935306
    """
    return float(_sum_parallel(_terms(inputs)))


def burn_numba_nogil(inputs: tuple[int, int]) -> float:
    """The task compiled with ``nogil=True``: it releases the GIL, so threads run it in parallel.

    >>> round(burn_numba_nogil((0, 3)), 6)
    4.935306
    """
    return float(_sum_nogil(_terms(inputs)))


# ---- runners: the same tasks one after another, on threads, on processes ----

def _check_run(func: Callable[[Any], float], tasks: Sequence[Any]) -> list[Any]:
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    tasks = list(tasks)
    if not tasks:
        raise ValueError("tasks must not be empty")
    return tasks


def _check_workers(workers: int) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an int >= 1, got {workers!r}")
    return workers


def run_sequential(func: Callable[[Any], float], tasks: Sequence[Any]) -> list[float]:
    """``[func(task) for task in tasks]``.

    >>> run_sequential(burn_numba, make_tasks(2, 3)) == [burn_numba((0, 3))] * 2
    True
    """
    return [func(task) for task in _check_run(func, tasks)]


def run_threads(func: Callable[[Any], float], tasks: Sequence[Any], workers: int,
                *, timeout: float = 60.0) -> list[float]:
    """Run the tasks on a pool of ``workers`` threads; results in task order.

    >>> run_threads(burn_numba_nogil, make_tasks(2, 3), workers=2)[1] == burn_numba((1, 3))
    True
    """
    tasks = _check_run(func, tasks)
    with ThreadPoolExecutor(_check_workers(workers)) as executor:
        return list(executor.map(func, tasks, timeout=timeout))


def run_processes(func: Callable[[Any], float], tasks: Sequence[Any], workers: int,
                  *, timeout: float = 60.0) -> list[float]:
    """Run the tasks on ``workers`` processes of the course's start method (``mp_context()``).

    ``func`` must be importable by the children: a function from ``helpers``. Pool start-up is
    part of the time, as it is for anyone who runs the code once.
    """
    tasks = _check_run(func, tasks)
    with ProcessPoolExecutor(_check_workers(workers), mp_context=mp_context()) as executor:
        return list(executor.map(func, tasks, timeout=timeout))


# ---- reading the results ----

def cpu_per_second(func: Callable[[], Any]) -> tuple[Any, float]:
    """Call ``func()`` once; return its result and this process's CPU-seconds per wall second.

    1.0 means one core busy on average. Other programs can lower it, never raise it, so it is
    a robust way to see how many cores a run really used (with the GIL: at most about one).

    >>> result, ratio = cpu_per_second(lambda: sum(range(100_000)))
    >>> result, 0 <= ratio
    (4999950000, True)
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    result = func()
    wall = time.perf_counter() - wall_start
    return result, (time.process_time() - cpu_start) / wall if wall > 0 else 0.0


def speedups(times: Mapping[str, float], reference: str) -> dict[str, float]:
    """Each time's speedup over ``times[reference]`` (2.0 = twice as fast).

    >>> speedups({"slow": 2.0, "fast": 0.5}, "slow")
    {'slow': 1.0, 'fast': 4.0}
    """
    if not isinstance(times, Mapping) or reference not in times:
        raise ValueError(f"times must be a mapping that contains {reference!r}")
    if not all(isinstance(t, (int, float)) and t > 0 for t in times.values()):
        raise ValueError("every time must be a number > 0")
    return {name: times[reference] / t for name, t in times.items()}


#: What kind of change each variant is, for the chart's colours.
KINDS = {"representation": OKABE_ITO[0], "parallel": OKABE_ITO[1], "compiled": OKABE_ITO[2],
         "compiled + parallel": OKABE_ITO[3]}


def speedup_chart(speedup: Mapping[str, float], kinds: Mapping[str, str], cpus: int, *,
                  ax: Axes | None = None, title: str = "") -> Axes:
    """Horizontal bars of speedup (log scale), coloured by kind, with the CPU count marked."""
    if not speedup or set(speedup) != set(kinds):
        raise ValueError("speedup and kinds must name the same, non-empty set of variants")
    if not set(kinds.values()) <= set(KINDS):
        raise ValueError(f"kinds must be among {list(KINDS)}")
    if isinstance(cpus, bool) or not isinstance(cpus, int) or cpus < 1:
        raise ValueError(f"cpus must be an int >= 1, got {cpus!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.8 + 0.45 * len(speedup)), layout="constrained")
    names = list(speedup)
    values = [speedup[name] for name in names]
    bars = ax.barh(names, values, color=[KINDS[kinds[name]] for name in names])
    ax.bar_label(bars, labels=[f"{v:.3g}×" for v in values], padding=3, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(min(0.3, min(values) / 2), max(values) * 4)
    ax.axvline(1, color=OKABE_ITO[7], linewidth=0.8)
    ax.axvline(cpus, color=OKABE_ITO[5], linestyle=":",
               label=f"effective CPUs = {cpus}:\nthe most parallelism\nalone can give")
    handles = [plt.Rectangle((0, 0), 1, 1, color=colour) for colour in KINDS.values()]
    ax.legend(handles + ax.get_legend_handles_labels()[0],
              list(KINDS) + ax.get_legend_handles_labels()[1], fontsize=7, loc="upper left",
              bbox_to_anchor=(1.01, 1))
    ax.invert_yaxis()
    ax.set_xlabel("speedup over the article's code (×, log scale)")
    ax.set_title(title)
    return ax


# ---- the decision guide ----

@dataclass(frozen=True)
class Node:
    """A box of the decision guide: a question, or an answer pointing to notebooks."""

    key: str
    text: str
    x: float
    y: float
    notebooks: tuple[str, ...] = ()


GUIDE_NODES = (
    Node("start", "Where does the time go?\n(profile first)", 0.50, 0.94),
    Node("io", "Waiting:\nnetwork, disk, other programs", 0.20, 0.74),
    Node("cpu", "Computing", 0.72, 0.74),
    Node("few", "Tens to hundreds of waits:\nthread pool", 0.07, 0.46, ("01", "02", "03")),
    Node("many", "Thousands of waits:\nasyncio", 0.24, 0.30, ("09",)),
    Node("programs", "Other programs:\nsubprocess", 0.40, 0.46, ("10",)),
    Node("repeat", "Same inputs again?\nlru_cache first", 0.55, 0.54, ("07",)),
    Node("arrays", "Arrays of numbers:\nNumPy, then numba\n(prange, nogil)", 0.74, 0.36,
         ("08", "12")),
    Node("objects", "Python objects:\nprocess pool", 0.93, 0.54, ("02", "04", "06")),
    Node("scale", "One machine is not enough:\nMPI or Dask", 0.80, 0.10, ("11",)),
)
GUIDE_EDGES = (
    ("start", "io", "I/O-bound"), ("start", "cpu", "CPU-bound"),
    ("io", "few", ""), ("io", "many", ""), ("io", "programs", ""),
    ("cpu", "repeat", ""), ("cpu", "arrays", "arrays"), ("cpu", "objects", "objects"),
    ("arrays", "scale", "many machines"), ("objects", "scale", ""),
)


def guide_notebooks() -> set[str]:
    """Every notebook number the decision guide points to.

    >>> sorted(guide_notebooks())[:3]
    ['01', '02', '03']
    """
    return {number for node in GUIDE_NODES for number in node.notebooks}


def decision_guide(*, ax: Axes | None = None,
                   title: str = "Which tool? Ask what the time goes to, then what the data is"
                   ) -> Axes:
    """Draw the decision guide: boxes (questions and answers with notebook numbers) and arrows.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> len(decision_guide().texts) >= len(GUIDE_NODES)
    True
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 6.2), layout="constrained")
    nodes = {node.key: node for node in GUIDE_NODES}
    for start, end, label in GUIDE_EDGES:
        a, b = nodes[start], nodes[end]
        ax.annotate("", xy=(b.x, b.y), xytext=(a.x, a.y),
                    arrowprops={"arrowstyle": "-|>", "color": OKABE_ITO[7], "lw": 1,
                                "shrinkA": 22, "shrinkB": 24})
        if label:
            ax.text((a.x + b.x) / 2, (a.y + b.y) / 2, label, fontsize=8, ha="center",
                    va="center", style="italic",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    for node in GUIDE_NODES:
        answer = bool(node.notebooks)
        text = node.text + (f"\n→ notebook {', '.join(node.notebooks)}" if answer else "")
        ax.text(node.x, node.y, text, ha="center", va="center", fontsize=8.5,
                weight="normal" if answer else "bold",
                bbox={"boxstyle": "round,pad=0.4",
                      "facecolor": OKABE_ITO[4] + "40" if answer else OKABE_ITO[6] + "60",
                      "edgecolor": OKABE_ITO[0] if answer else OKABE_ITO[7]})
    ax.set_xlim(-0.06, 1.06)
    ax.set_ylim(0.0, 1.02)
    ax.axis("off")
    ax.set_title(title)
    return ax


# ---- what is changing in Python itself ----

@dataclass(frozen=True)
class InterpreterFeatures:
    """Which of the new ways to run Python in parallel this interpreter offers."""

    version: str
    free_threaded_build: bool
    gil_enabled: bool
    subinterpreters: bool
    interpreter_pool: bool


def interpreter_features() -> InterpreterFeatures:
    """Detect a free-threaded build (3.13t, 3.14t) and subinterpreters (3.14).

    >>> features = interpreter_features()
    >>> features.subinterpreters == (sys.version_info >= (3, 14))
    True
    """
    import concurrent.futures

    return InterpreterFeatures(
        version=".".join(map(str, sys.version_info[:3])),
        free_threaded_build=bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        gil_enabled=gil_enabled(),
        subinterpreters=importlib.util.find_spec("concurrent.interpreters") is not None,
        interpreter_pool=hasattr(concurrent.futures, "InterpreterPoolExecutor"),
    )


#: Run by notebook 12 in a fresh interpreter when it has ``concurrent.interpreters`` (3.14+).
#: Each subinterpreter has its own GIL, so pure-Python work runs on several cores in one
#: process. The work is sent as source text: NumPy and numba cannot load in a subinterpreter.
SUBINTERPRETER_SCRIPT = """
import json, sys, threading, time
from concurrent import interpreters

WORK = '''
import math
n = {terms}
results.put(sum(math.log(i + 1) for i in range(n)) + sum(i ** 1.1 for i in range(n)))
'''

def run(count, workers, terms, use_interpreters):
    results = interpreters.create_queue()
    interps = [interpreters.create() for _ in range(workers)] if use_interpreters else []
    def one(slot):
        for _ in range(slot, count, workers):
            if use_interpreters:
                interps[slot].exec(WORK.format(terms=terms))
            else:
                exec(WORK.format(terms=terms), {"results": results})
    for interp in interps:
        interp.prepare_main(results=results)
    start = time.perf_counter()
    threads = [threading.Thread(target=one, args=(slot,)) for slot in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - start
    values = [results.get(timeout=10) for _ in range(count)]
    for interp in interps:
        interp.close()
    return elapsed, values

count, workers, terms = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
threads_s, a = run(count, workers, terms, use_interpreters=False)
interps_s, b = run(count, workers, terms, use_interpreters=True)
print(json.dumps({"threads_s": threads_s, "interpreters_s": interps_s,
                  "equal": sorted(a) == sorted(b), "count": len(b)}))
"""


# ---- exercise checkers: they print feedback and return True only for a correct answer ----

#: Exercise 1: situations and the notebook (and tool) the decision guide points to.
SITUATIONS = {
    "fetch 5 000 web pages": ("09", "thousands of waits: asyncio"),
    "a loop with branches over a 10-million-element float array": (
        "08", "arrays of numbers and a loop NumPy cannot express: numba"),
    "parse 200 JSON files already in memory into dicts": (
        "02", "CPU work on Python objects: a process pool"),
    "the same slow pure function, called again and again with 20 distinct inputs": (
        "07", "repeated inputs: cache the results with lru_cache"),
    "a simulation that needs 500 cores": ("11", "more than one machine: MPI or Dask"),
}


def check_situations(answers: Mapping[str, str]) -> bool:
    """Exercise 1: ``answers`` maps each situation in ``SITUATIONS`` to a notebook number."""
    if not isinstance(answers, Mapping):
        raise TypeError("answers must be a dict: situation -> notebook number like '09'")
    problems = []
    for situation, (number, _why) in SITUATIONS.items():
        got = answers.get(situation)
        if not (isinstance(got, str) and len(got) == 2 and got.isdigit()):
            problems.append(f"{situation!r}: answer a two-digit notebook number (got {got!r})")
        elif got != number:
            problems.append(f"{situation!r}: not {got}. Waiting or computing? Objects or "
                            "arrays? Repeated inputs? One machine or many?")
    return feedback(problems, "every situation goes to the right notebook: " + "; ".join(
        f"{s} -> {n} ({why})" for s, (n, why) in SITUATIONS.items()))


def sqrt_sum_reference(n: int) -> float:
    """Exercise 2's reference: the sum of ``sqrt(i)`` for ``i`` in ``range(n)``.

    >>> sqrt_sum_reference(5) == sum(math.sqrt(i) for i in range(5))
    True
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be an int >= 0, got {n!r}")
    return float(np.sqrt(np.arange(n, dtype=np.float64)).sum())


def check_compiled_sqrt_sum(func: Callable[[int], float]) -> bool:
    """Exercise 2: is ``func`` a numba-compiled function whose results match the reference?"""
    if not callable(func):
        raise TypeError("pass your function itself: check_compiled_sqrt_sum(sqrt_sum)")
    problems = []
    for n in (0, 1, 10, 12_345):
        try:
            got = func(n)
        except Exception as error:  # the learner's code: report, do not crash the cell
            problems.append(f"sqrt_sum({n}) raised {error!r}")
            continue
        expected = sqrt_sum_reference(n)
        if not isinstance(got, (int, float)) or not math.isclose(got, expected, rel_tol=1e-9,
                                                                  abs_tol=1e-12):
            problems.append(f"sqrt_sum({n}) gave {got!r}, expected {expected!r}")
    if not hasattr(func, "signatures"):
        problems.append("the function is not compiled: decorate it with @numba.njit")
    return feedback(problems, "compiled, and equal to the reference for every n tried")
