"""Your own function: profile it, try every tool the course teaches, check the results, advise.

``advise(func, inputs)`` runs ``func(*args)`` for each tuple in ``inputs`` (one per task):
sequentially twice (the results must agree), then on a thread pool, a process pool, numba
(``njit``, and ``parallel=True`` for a simple loop) and, for tasks that wait, asyncio; each
strategy's results are checked equal to the sequential ones before any is timed, and all are
timed in interleaved rounds with the machine's capacity measured in the same rounds. The
advice is the simplest tool that is clearly faster in every round (a tie within the spread
goes to the simpler one), and asyncio only where the tasks really wait. The command line does
the same, with a progress bar::

    python -m helpers.advise package.module:function --inputs package.module:make_inputs
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers import advise_strategies as run
from helpers import validate
from helpers.advise_report import BEST, SIMPLEST_FIRST, Advice, Profile, Row, chapters
from helpers.capacity import Sampler
from helpers.machine import effective_cpus, mp_context, start_method

MARGIN = 1.2  # a strategy must beat sequential by this much, and outside the spread
CAPACITY_SECONDS = 0.2
GIL_RELEASED = 0.2  # a ticking thread's pace during calls: ≤1 % when they hold the GIL (a 5 s
# switch interval), 0.3–1.6 measured when they release it on a machine loaded 1–9 runnable per CPU


class AdviceError(ValueError):
    """The function or its inputs cannot be advised on (the message says why)."""


def _checked_inputs(inputs: Any) -> list[tuple]:
    if not isinstance(inputs, list):
        raise TypeError("inputs must be a list of argument tuples, one per task, "
                        f"got {type(inputs).__name__}")
    if not inputs:
        raise ValueError("inputs is empty: give at least one argument tuple")
    for index, args in enumerate(inputs):
        if not isinstance(args, tuple):
            raise TypeError(f"inputs[{index}] must be a tuple of arguments (write (x,) for one), "
                            f"got {type(args).__name__}")
    return inputs


def advise(func: Callable[..., Any], inputs: list[tuple], *, budget: float = 60.0,
           workers: int | None = None, progress: bool = False) -> Advice:
    """Measure every strategy that applies to ``func`` over ``inputs`` and recommend one.

    ``budget`` bounds the whole run in seconds; ``workers`` overrides the process pool's size
    (by default the capacity measured now, between 1 and the effective CPUs).
    """
    validate.function("func", func)
    inputs = _checked_inputs(inputs)
    budget = validate.number("budget", budget, positive=True)
    if workers is not None:
        validate.whole_number("workers", workers, minimum=1)
    from tqdm.auto import tqdm  # a widget in Jupyter, text on stderr in a terminal
    with (tqdm(total=5, disable=not progress, desc="advise", unit="step") as bar,
          contextlib.ExitStack() as stack):
        return _advise(func, inputs, budget, workers, bar, stack)


def _profile(func, inputs, deadline, budget) -> tuple[list, Profile, float]:
    started, process_cpu = time.perf_counter(), time.process_time()
    try:
        results, times = run.run_sequential(func, inputs, deadline, detail=True)
        busy = (time.process_time() - process_cpu) / max(time.perf_counter() - started, 1e-9)
        again, times_again = run.run_sequential(func, inputs, deadline, detail=True)
    except run.Stopped as stopped:
        raise AdviceError(f"budget={budget:g} s is too small for one sequential run "
                          f"({stopped} done when it ran out)") from None
    except run.TaskFailed as failed:
        raise AdviceError(str(failed)) from failed.__cause__
    differs = run.first_difference(again, results)
    if differs is not None:
        raise AdviceError(f"the results differ between two sequential runs at inputs[{differs}] "
                          "(non-deterministic): nothing can be compared")
    sequential = (time.perf_counter() - started) / 2
    # Task by task, the smaller of the two runs: a neighbour or a quota can stretch one run's
    # wall time (descheduled, not waiting), a real wait is there in both.
    walls = [min(one[0], two[0]) for one, two in zip(times, times_again, strict=True)]
    waits = [min(one[2], two[2]) for one, two in zip(times, times_again, strict=True)]
    # A call that holds the GIL stops the ticker whatever the load; a busy machine can only
    # slow the ticker of one that releases it: so the largest of up to three probes counts.
    share = 0.0
    for _ in range(3):
        share = max(share, run.gil_share(func, inputs, seconds=min(0.2, max(0.05, sequential))))
        if share > GIL_RELEASED:
            break
    pickle_seconds, _ = run.pickling(func, inputs, results)
    profile = Profile(
        tasks=len(inputs), task_seconds=statistics.median(walls),
        task_cpu=statistics.median(min(one[1], two[1])
                                   for one, two in zip(times, times_again, strict=True)),
        wait_share=sum(waits) / max(sum(walls), 1e-9),
        gil_share=share, releases_gil=share > GIL_RELEASED, pickle_seconds=pickle_seconds,
        peak_bytes=run.peak_memory(func, inputs[0]), cpus_busy=busy,
        top=run.top_functions(func, inputs[0]),
        tolerance=f"floats and arrays: relative {run.REL_TOL:g}, absolute {run.ABS_TOL:g}")
    return results, profile, sequential


def _advise(func, inputs, budget, workers, bar, stack) -> Advice:
    deadline = time.perf_counter() + budget
    results, profile, sequential = _profile(func, inputs, deadline, budget)
    bar.update()
    tasks, waits = len(inputs), profile.waits
    rows = {name: Row(name) for name in BEST}
    rows["sequential"].note = f"{tasks} tasks, {profile.task_seconds * 1e3:.3g} ms each"
    runners: dict[str, Callable[[float], list]] = {}
    extra_workers = min(32, tasks)

    def spare() -> float:
        return deadline - time.perf_counter()

    # The capacity, and the pools, before numba: a fork after numba's parallel layer is unsafe.
    cpus = effective_cpus()
    sampler = stack.enter_context(Sampler(cpus, seconds=CAPACITY_SECONDS))
    capacity_rounds = [sampler.sample()]
    if workers is None:
        # A CPU that gives a third of a core still adds a third: one worker more than the
        # whole CPUs, where the rest is worth having (a spare worker costs little, a missing
        # one leaves capacity unused).
        workers = min(cpus, max(1, math.ceil(capacity_rounds[0] - 0.2)))
    thread_workers = extra_workers if waits else workers
    runners["threads"] = lambda t: run.run_threads(func, inputs, thread_workers, t)
    rows["threads"].note = f"{thread_workers} thread{'s' * (thread_workers > 1)}"
    _, why_not = run.pickling(func, inputs, results)
    if why_not:
        rows["processes"].note = f"not possible: {why_not}"
    else:
        chunk = max(1, min(math.ceil(0.02 / max(profile.task_seconds, 1e-9)),
                           math.ceil(tasks / (4 * workers))))
        started = time.perf_counter()
        pool = stack.enter_context(mp_context().Pool(workers))
        pool.apply_async(abs, (1,)).get(timeout=60)
        rows["processes"].note = (f"{workers} worker{'s' * (workers > 1)} ({start_method()}), "
                                  f"chunksize {chunk}, start-up "
                                  f"{time.perf_counter() - started:.2f} s not counted")
        runners["processes"] = lambda t: run.run_pool(pool, func, inputs, chunk, t)
    if profile.wait_share > 0.3:
        runners["asyncio"] = lambda t: run.run_asyncio(func, inputs, extra_workers, t)
        rows["asyncio"].note = f"asyncio.to_thread, {extra_workers} threads"
    else:
        rows["asyncio"].note = (f"not tried: tasks wait {profile.wait_share:.0%} of their time; "
                                "asyncio overlaps waits")
    _try_numba(func, inputs, rows, runners, spare)
    bar.update()

    # Each strategy once: equal to the sequential results, or out; its time is the estimate
    # that decides whether its rounds fit the budget.
    estimate = {"sequential": sequential}
    for name in list(runners):
        started = time.perf_counter()
        try:
            got = runners[name](max(0.1, min(spare(), 3 * sequential + 5)))
        except run.Stopped:
            rows[name].note += "; stopped: ran over its share of the budget"
            del runners[name]
            continue
        except Exception as error:
            rows[name].note += f"; raised {type(error).__name__}: {error}"
            del runners[name]
            continue
        estimate[name] = time.perf_counter() - started
        rows[name].equal = run.first_difference(got, results) is None
        if not rows[name].equal:
            rows[name].note += "; results differ, not timed"
            del runners[name]

    def rounds_that_fit() -> int:  # the first round takes no capacity sample (it has one)
        one = sum(estimate[name] for name in ("sequential", *runners))
        return min(3, 1 + int((spare() - one) // (one + CAPACITY_SECONDS * 2.5))) if (
            spare() > one) else 0
    # As many rounds (up to 3) as fit the budget; the slowest strategies are dropped first.
    while (count := rounds_that_fit()) == 0 and runners:
        name = max(runners, key=estimate.__getitem__)
        rows[name].note += "; stopped: would exceed the budget"
        del runners[name]
    count = max(count, 1)
    bar.total = 2 + count
    times: dict[str, list[float]] = {name: [] for name in ("sequential", *runners)}
    for turn in range(count):
        order = list(times)
        order = order[turn % len(order):] + order[:turn % len(order)]
        for name in order:
            if name not in runners and name != "sequential":
                continue
            started = time.perf_counter()
            try:
                if name == "sequential":
                    run.run_sequential(func, inputs, math.inf)
                else:
                    runners[name](max(0.1, min(spare(), 3 * sequential + 5)))
            except run.Stopped:
                rows[name].note += "; stopped: ran over its share of the budget"
                del runners[name]
                times.pop(name)
                if name == "processes":
                    pool.terminate()
                continue
            times[name].append(time.perf_counter() - started)
        if turn:
            capacity_rounds.append(sampler.sample())
        bar.update()
    capacity = statistics.median(capacity_rounds)
    _fill(rows, times, capacity, tasks, workers, thread_workers, extra_workers, waits)
    best, evidence = _choose(rows, profile, capacity)
    return Advice(best=best, rows=[rows[name] for name in BEST], profile=profile,
                  capacity=capacity, capacity_rounds=tuple(capacity_rounds), workers=workers,
                  evidence=evidence, chapters=chapters(best, func, inputs, profile))


def _try_numba(func, inputs, rows, runners, spare) -> None:
    if not inspect.isfunction(func):
        rows["numba"].note = rows["numba-parallel"].note = (
            f"not possible: numba compiles Python functions; {func!r} is built in")
        return
    try:
        fast, seconds = run.compile_numba(func, inputs[0])
    except Exception as error:
        rows["numba"].note = f"does not compile: {run.numba_message(error)}"
        rows["numba-parallel"].note = "not tried: njit does not compile"
        return
    rows["numba"].note = f"compiled in {seconds:.2f} s (not counted)"
    runners["numba"] = lambda t: run.run_sequential(fast, inputs, time.perf_counter() + t)[0]
    looped, how = run.with_prange(func)
    if looped is None:
        rows["numba-parallel"].note = f"not tried: {how}"
        return
    try:
        parallel, seconds = run.compile_numba(looped, inputs[0], parallel=True)
    except Exception as error:
        rows["numba-parallel"].note = f"does not compile: {run.numba_message(error)}"
        return
    rows["numba-parallel"].note = (f"{how} (prange assumes independent iterations: equal "
                                   f"results do not prove it); compiled in {seconds:.2f} s")
    runners["numba-parallel"] = (
        lambda t: run.run_sequential(parallel, inputs, time.perf_counter() + t)[0])


def _fill(rows, times, capacity, tasks, workers, thread_workers, extra_workers, waits) -> None:
    base = statistics.median(times["sequential"])
    ideal = {"threads": min(thread_workers, tasks) if waits else
             min(thread_workers, tasks, capacity),
             "processes": min(workers, tasks, capacity), "asyncio": min(extra_workers, tasks)}
    for name, measured in times.items():
        row = rows[name]
        row.times, row.seconds = tuple(measured), statistics.median(measured)
        row.speedup = base / row.seconds if row.seconds > 0 else math.inf
        if name in ideal:
            row.share = row.speedup / ideal[name]
    rows["sequential"].equal = True
    if rows["numba"].seconds and rows["numba-parallel"].seconds:
        rows["numba-parallel"].share = (rows["numba"].seconds / rows["numba-parallel"].seconds
                                        / max(1.0, capacity))


def _clearly_faster(row: Row, than: Row) -> bool:
    """Faster by more than MARGIN, and in every round than in any round of ``than``."""
    return (than.seconds / row.seconds > MARGIN if row.seconds else True) and (
        max(row.times) < min(than.times))


def _choose(rows, profile, capacity) -> tuple[str, str]:
    """The simplest strategy that is clearly faster than sequential and within the spread of
    the fastest one; asyncio only where the profile shows real waits."""
    base = rows["sequential"]
    timed = [row for name, row in rows.items()
             if name != "sequential" and row.seconds is not None and row.equal]
    gil = (f"a call {'releases' if profile.releases_gil else 'holds'} the GIL (a ticking "
           f"thread kept {profile.gil_share:.0%} of its pace)")
    where = (f"Capacity measured in the same rounds: {capacity:.2f} CPUs; tasks wait "
             f"{profile.wait_share:.0%} of their time; {gil}")
    if not timed:
        return "sequential", f"No strategy could be timed with equal results. {where}."
    clear = [row for row in timed if _clearly_faster(row, base)
             and (row.strategy != "asyncio" or profile.waits)]
    serial = rows["numba"]
    if serial in clear:  # threads inside numba must earn their place over plain njit
        clear = [row for row in clear if row.strategy != "numba-parallel"
                 or _clearly_faster(row, serial)]
    if not clear:
        fastest = min(timed, key=lambda row: row.seconds)
        return "sequential", (
            f"The fastest strategy, {fastest.strategy}, gained {fastest.speedup:.2f}x "
            f"({fastest.seconds:.3f} s against {base.seconds:.3f} s): no clear gain, which needs "
            f"more than {MARGIN}x with every one of {len(base.times)} rounds faster. {where}.")
    fastest = min(clear, key=lambda row: row.seconds)
    tied = [row for row in clear if min(row.times) <= max(fastest.times)]
    best = min(tied, key=lambda row: SIMPLEST_FIRST.index(row.strategy))
    tie = ("" if best is fastest else
           f" {fastest.strategy} ({fastest.speedup:.2f}x) was within its spread: on a tie the "
           "simpler tool wins.")
    return best.strategy, (
        f"{best.strategy} took {best.seconds:.3f} s against {base.seconds:.3f} s sequentially "
        f"({best.speedup:.2f}x, median of {len(base.times)} interleaved rounds, every round "
        f"faster; results equal).{tie} {where}.")


def load(spec: str) -> Any:
    """``package.module:name`` -> the object, for the command line."""
    module, _, name = spec.partition(":")
    if not module or not name:
        raise ValueError(f"expected package.module:name, got {spec!r}")
    return getattr(importlib.import_module(module), name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.advise",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("function", help="package.module:function")
    parser.add_argument("--inputs", required=True,
                        help="package.module:make_inputs, called with no arguments")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--json", help="also write the advice as JSON to this file")
    options = parser.parse_args(argv)
    try:
        advice = advise(load(options.function), load(options.inputs)(), budget=options.budget,
                        progress=True)
    except KeyboardInterrupt:
        print("interrupted: every worker was stopped", file=sys.stderr)
        return 130
    except (TypeError, ValueError, ImportError, AttributeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(advice)
    if options.json:
        Path(options.json).write_text(advice.to_json(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
