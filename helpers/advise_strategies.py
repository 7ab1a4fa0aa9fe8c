"""The parts of :mod:`helpers.advise` that run a function: probes, equality, each strategy.

Every runner takes a ``timeout`` and leaves nothing running when it returns or raises (on
Ctrl-C too): a thread pool cancels what has not started, a process pool is terminated.

>>> close_enough([1.0, (2, "a")], [1.0 + 1e-12, (2, "a")])
True
>>> first_difference([1, 2, 3], [1, 2, 4])
2
"""

from __future__ import annotations

import ast
import asyncio
import cProfile
import inspect
import math
import multiprocessing
import pickle
import pstats
import statistics
import textwrap
import threading
import time
import tracemalloc
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from helpers.machine import start_method
from helpers.profiling.experiment import keep_gil

REL_TOL = 1e-9  # floats and arrays: numba never uses fastmath here, so only rounding differs
ABS_TOL = 1e-12


class Stopped(Exception):
    """A strategy ran past its share of the budget and was stopped."""


def close_enough(got: Any, want: Any, rel_tol: float = REL_TOL) -> bool:
    """``==``, except floats and arrays, which are compared with a relative tolerance."""
    if isinstance(want, float) or type(want).__name__ in ("float64", "float32"):
        try:
            return math.isclose(float(got), float(want), rel_tol=rel_tol, abs_tol=ABS_TOL)
        except (TypeError, ValueError):
            return False
    if isinstance(want, (list, tuple)):
        return (isinstance(got, (list, tuple)) and len(got) == len(want)
                and all(close_enough(g, w, rel_tol) for g, w in zip(got, want, strict=True)))
    if isinstance(want, dict):
        return (isinstance(got, dict) and got.keys() == want.keys()
                and all(close_enough(got[key], want[key], rel_tol) for key in want))
    if type(want).__module__ == "numpy" and hasattr(want, "shape"):
        import numpy as np
        got = np.asarray(got)
        return got.shape == want.shape and bool(
            np.allclose(got, want, rtol=rel_tol, atol=ABS_TOL, equal_nan=True))
    try:
        return bool(got == want)
    except (TypeError, ValueError):
        return False


def first_difference(got: Sequence[Any], want: Sequence[Any]) -> int | None:
    """The index of the first result that differs, ``None`` when all are close enough."""
    for index, (one, other) in enumerate(zip(got, want, strict=False)):
        if not close_enough(one, other):
            return index
    return None if len(got) == len(want) else min(len(got), len(want))


def _thread_clock() -> tuple[float, float]:
    """This thread's CPU seconds and seconds spent ready but not running (Linux schedstat)."""
    try:
        with open("/proc/thread-self/schedstat") as stat:
            running, waiting = stat.read().split()[:2]
        return int(running) / 1e9, int(waiting) / 1e9
    except (OSError, ValueError):
        return time.thread_time(), 0.0


def run_sequential(func: Callable[..., Any], inputs: Sequence[tuple], deadline: float,
                   detail: bool = False) -> tuple[list[Any], list[tuple[float, float, float]]]:
    """Results, and per task (wall, CPU, waiting); raises :class:`Stopped` past ``deadline``.

    Waiting is the wall time neither on a CPU nor ready for one (I/O, sleeps, locks): a busy
    machine's queue is not counted as waiting where Linux tells them apart.
    """
    results, times = [], []
    for index, args in enumerate(inputs):
        if time.perf_counter() > deadline:
            raise Stopped(f"{index} of {len(inputs)} tasks")
        start, (cpu, queued) = time.perf_counter(), _thread_clock()
        try:
            results.append(func(*args))
        except Exception as error:
            raise TaskFailed(index, error) from error
        if detail:
            wall = time.perf_counter() - start
            cpu_end, queued_end = _thread_clock()
            used = cpu_end - cpu
            times.append((wall, used, max(0.0, wall - used - (queued_end - queued))))
    return results, times


class TaskFailed(Exception):
    """The function raised on one input."""

    def __init__(self, index: int, error: BaseException) -> None:
        super().__init__(f"the function raised on inputs[{index}]: "
                         f"{type(error).__name__}: {error}")
        self.index = index


def gil_share(func: Callable[..., Any], inputs: Sequence[tuple], seconds: float = 0.2) -> float:
    """A ticking thread's progress during calls, as a share of its progress during a sleep.

    The ticker sleeps 1 ms and takes the GIL to count. The calls run with the switch interval
    at 5 s (``profiling.experiment.keep_gil``), so code that holds the GIL keeps it to the end of
    the probe and the ticker barely ticks (share near 0), however short each call is; code that
    releases it lets the ticker run as often as during a sleep (share near 1), even on one CPU.
    """
    def rate(body: Callable[[], None]) -> float:
        stop, ticks = threading.Event(), [0]

        def tick() -> None:
            while not stop.is_set():
                time.sleep(0.001)
                ticks[0] += 1
        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        start = time.perf_counter()
        try:
            body()
        finally:
            elapsed = time.perf_counter() - start
            stop.set()
            ticker.join(timeout=5)
        return ticks[0] / elapsed if elapsed > 0 else 0.0

    def calls() -> None:
        end = time.perf_counter() + seconds
        for args in _cycle(inputs):
            func(*args)
            if time.perf_counter() > end:
                return
    with keep_gil():
        during_calls = rate(calls)
    during_sleep = rate(lambda: time.sleep(seconds))
    return during_calls / during_sleep if during_sleep > 0 else 1.0


def _cycle(inputs: Sequence[tuple]):
    while True:
        yield from inputs


def pickling(func: Callable[..., Any], inputs: Sequence[tuple],
             results: Sequence[Any]) -> tuple[float | None, str | None]:
    """Median seconds to pickle and unpickle one task's arguments and result, or why not."""
    if func.__module__ == "__main__" and start_method() != "fork":
        return None, (f"a function defined in a notebook/`__main__` cannot be loaded by a "
                      f"{start_method()} worker; move it to a module")
    try:
        pickle.loads(pickle.dumps(func))
    except Exception as error:
        return None, f"the function cannot be pickled ({type(error).__name__}: {error})"
    costs = []
    for index, (args, result) in enumerate(zip(inputs, results, strict=True)):
        start = time.perf_counter()
        try:
            pickle.loads(pickle.dumps(args))
        except Exception as error:
            return None, f"inputs[{index}] cannot be pickled ({type(error).__name__}: {error})"
        try:
            pickle.loads(pickle.dumps(result))
        except Exception as error:
            return None, (f"the result of inputs[{index}] cannot be pickled "
                          f"({type(error).__name__}: {error})")
        costs.append(time.perf_counter() - start)
    return statistics.median(costs), None


def top_functions(func: Callable[..., Any], args: tuple, most: int = 5) -> list[tuple[str, float]]:
    """The functions with the most own time during one call: (name, seconds)."""
    profiler = cProfile.Profile()
    profiler.runcall(func, *args)
    stats = pstats.Stats(profiler).stats
    rows = sorted(((f"{name} ({path.rsplit('/', 1)[-1]}:{line})" if line else name, own)
                   for (path, line, name), (_, _, own, _, _) in stats.items()),
                  key=lambda row: -row[1])
    return [(name, own) for name, own in rows if "_lsprof" not in name][:most]


def peak_memory(func: Callable[..., Any], args: tuple) -> int:
    """Peak bytes Python allocated during one call (tracemalloc)."""
    tracemalloc.start()
    try:
        func(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def compile_numba(func: Callable[..., Any], args: tuple,
                  parallel: bool = False) -> tuple[Callable[..., Any], float]:
    """``numba.njit(func)`` compiled on ``args``: (the dispatcher, seconds to compile)."""
    import numba
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = numba.njit(parallel=parallel)(func)
        start = time.perf_counter()
        fast(*args)
    return fast, time.perf_counter() - start


def numba_message(error: BaseException) -> str:
    """The first informative line of a numba error (the pipeline banner is skipped)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("Failed in ")] or lines
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


def with_prange(func: Callable[..., Any]) -> tuple[Callable[..., Any] | None, str]:
    """The function with its first top-level ``for … in range(…)`` loop made a ``prange``."""
    if not inspect.isfunction(func) or func.__code__.co_freevars:
        return None, "only a plain module-level function can be rewritten"
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return None, "its source is not available"
    definition = tree.body[0]
    if not isinstance(definition, ast.FunctionDef):
        return None, "its source is not a def"
    loops = [node for node in definition.body if isinstance(node, ast.For)
             and isinstance(node.iter, ast.Call) and isinstance(node.iter.func, ast.Name)
             and node.iter.func.id == "range"]
    if not loops:
        return None, "its body has no simple top-level `for … in range(…)` loop"
    import numba
    loops[0].iter.func = ast.Name(id="__advise_prange__", ctx=ast.Load())
    definition.decorator_list = []
    namespace = dict(func.__globals__, __advise_prange__=numba.prange)
    exec(compile(ast.fix_missing_locations(tree), f"<prange {func.__name__}>", "exec"),
         namespace)
    return namespace[definition.name], f"line {loops[0].lineno}'s range became prange"


def run_threads(func: Callable[..., Any], inputs: Sequence[tuple], workers: int,
                timeout: float) -> list[Any]:
    """``func`` over ``inputs`` on a thread pool; what has not started is cancelled on exit."""
    pool = ThreadPoolExecutor(workers, thread_name_prefix="advise")
    try:
        futures = [pool.submit(func, *args) for args in inputs]
        pending = wait(futures, timeout=timeout).not_done
        if pending:
            raise Stopped(f"{len(pending)} of {len(futures)} tasks unfinished "
                          f"after {timeout:.1f} s")
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def run_asyncio(func: Callable[..., Any], inputs: Sequence[tuple], workers: int,
                timeout: float) -> list[Any]:
    """``asyncio.gather`` of ``asyncio.to_thread`` calls, in a loop of its own thread."""
    box: dict[str, Any] = {}

    async def main() -> list[Any]:
        box["loop"], box["task"] = asyncio.get_running_loop(), asyncio.current_task()
        box["loop"].set_default_executor(ThreadPoolExecutor(workers))
        return await asyncio.gather(*(asyncio.to_thread(func, *args) for args in inputs))
    runner = ThreadPoolExecutor(1, thread_name_prefix="advise-asyncio")
    future = runner.submit(asyncio.run, main())
    try:
        done, _ = wait([future], timeout=timeout)
        if not done:
            raise Stopped(f"unfinished after {timeout:.1f} s")
        return future.result()
    finally:
        if not future.done() and "task" in box:
            box["loop"].call_soon_threadsafe(box["task"].cancel)
        runner.shutdown(wait=False)


def run_pool(pool: Any, func: Callable[..., Any], inputs: Sequence[tuple], chunksize: int,
             timeout: float) -> list[Any]:
    """``pool.starmap`` with a timeout; the caller terminates the pool on :class:`Stopped`."""
    try:
        return pool.starmap_async(func, inputs, chunksize).get(timeout=timeout)
    except multiprocessing.TimeoutError as error:
        raise Stopped(f"unfinished after {timeout:.1f} s") from error
