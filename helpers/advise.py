"""Your own function: profile it, try every tool the course teaches, check the results, advise.

``advise(func, inputs)`` runs ``func(*args)`` for each tuple in ``inputs`` (one per task):
sequentially twice (the results must agree), then on a thread pool, a process pool, numba
(``njit``, and ``parallel=True`` for a simple loop) and, for tasks that wait, asyncio; each
strategy's results are checked equal to the sequential ones before any is timed, and all are
timed in interleaved rounds with the machine's capacity measured in the same rounds. The
command line does the same::

    python -m helpers.advise package.module:function --inputs package.module:make_inputs
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from helpers import advise_strategies as run
from helpers import validate
from helpers.capacity import Sampler
from helpers.machine import effective_cpus, mp_context, start_method

BEST = ("sequential", "threads", "processes", "numba", "numba-parallel", "asyncio")
CHAPTERS = {"threads": "02 (threads and the GIL)", "processes": "03 (process pools)",
            "numba": "10 (numba)", "numba-parallel": "10 (numba)",
            "vectorise": "09 (NumPy vectorisation)", "asyncio": "12 (asyncio)",
            "hidden": "11 (hidden threads)", "choosing": "15 (choosing)"}
MARGIN = 1.2  # a strategy must beat sequential by this much, and outside the spread
CAPACITY_SECONDS = 0.2


class AdviceError(ValueError):
    """The function or its inputs cannot be advised on (the message says why)."""


@dataclass
class Row:
    strategy: str
    seconds: float | None = None
    times: tuple[float, ...] = ()
    speedup: float | None = None
    share: float | None = None  # of the ideal: min(workers, tasks, capacity)
    equal: bool | None = None
    note: str = ""


@dataclass
class Profile:
    tasks: int
    task_seconds: float  # median wall per task
    task_cpu: float
    wait_share: float
    gil_share: float
    releases_gil: bool
    pickle_seconds: float | None
    peak_bytes: int
    cpus_busy: float
    top: list[tuple[str, float]] = field(default_factory=list)
    tolerance: str = f"floats and arrays: relative {run.REL_TOL:g}, absolute {run.ABS_TOL:g}"


@dataclass
class Advice:
    best: str
    rows: list[Row]
    profile: Profile
    capacity: float
    capacity_rounds: tuple[float, ...]
    workers: int
    evidence: str
    chapters: list[str]

    def row(self, strategy: str) -> Row:
        return next(row for row in self.rows if row.strategy == strategy)

    def __str__(self) -> str:
        lines = [f"{'strategy':<15}{'seconds':>9}{'speedup':>9}{'of ideal':>10}  equal  note"]
        for row in self.rows:
            seconds = "—" if row.seconds is None else f"{row.seconds:.3f}"
            speedup = "—" if row.speedup is None else f"{row.speedup:.2f}x"
            share = "—" if row.share is None else f"{row.share:.0%}"
            equal = {True: "yes", False: "NO", None: "—"}[row.equal]
            lines.append(f"{row.strategy:<15}{seconds:>9}{speedup:>9}{share:>10}  {equal:<5}  "
                         f"{row.note}")
        lines += ["", f"Recommendation: {self.best}. {self.evidence}",
                  "Read: chapters " + ", ".join(self.chapters) + "."]
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)

    def plot(self):
        """Each strategy's speedup as a bar, against the capacity measured in the same rounds."""
        import matplotlib.pyplot as plt  # here: a process worker never loads matplotlib
        rows = [row for row in self.rows if row.speedup is not None]
        figure = plt.figure(figsize=(7, 3.5))
        axes = figure.add_subplot()
        axes.bar([row.strategy for row in rows], [row.speedup for row in rows],
                 color=["#0072B2" if row.equal else "#D55E00" for row in rows])
        axes.axhline(self.capacity, color="#009E73", linestyle="--",
                     label=f"capacity now: {self.capacity:.2f} CPUs")
        axes.axhline(1, color="grey", linewidth=0.8)
        axes.set(ylabel="speedup over sequential (×)", title=f"Best: {self.best}")
        axes.legend()
        plt.close(figure)
        return figure


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
    from tqdm import tqdm
    with tqdm(total=5, disable=not progress, file=sys.stderr, desc="advise",
              unit="step") as bar, contextlib.ExitStack() as stack:
        return _advise(func, inputs, budget, workers, bar, stack)


def _profile(func, inputs, deadline, budget) -> tuple[list, Profile, float]:
    started, process_cpu = time.perf_counter(), time.process_time()
    try:
        results, times = run.run_sequential(func, inputs, deadline, detail=True)
        busy = (time.process_time() - process_cpu) / max(time.perf_counter() - started, 1e-9)
        again, _ = run.run_sequential(func, inputs, deadline)
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
    walls = [t[0] for t in times]
    share = run.gil_share(func, inputs, seconds=min(0.2, max(0.05, sequential)))
    pickle_seconds, _ = run.pickling(func, inputs, results)
    profile = Profile(
        tasks=len(inputs), task_seconds=statistics.median(walls),
        task_cpu=statistics.median(t[1] for t in times),
        wait_share=sum(t[2] for t in times) / max(sum(walls), 1e-9),
        gil_share=share, releases_gil=share > 0.5, pickle_seconds=pickle_seconds,
        peak_bytes=run.peak_memory(func, inputs[0]), cpus_busy=busy,
        top=run.top_functions(func, inputs[0]))
    return results, profile, sequential


def _advise(func, inputs, budget, workers, bar, stack) -> Advice:
    deadline = time.perf_counter() + budget
    results, profile, sequential = _profile(func, inputs, deadline, budget)
    bar.update()
    tasks, waits = len(inputs), profile.wait_share > 0.5
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
        workers = min(cpus, max(1, round(capacity_rounds[0])))
    thread_workers = extra_workers if waits else workers
    runners["threads"] = lambda t: run.run_threads(func, inputs, thread_workers, t)
    rows["threads"].note = f"{thread_workers} threads"
    _, why_not = run.pickling(func, inputs, results)
    if why_not:
        rows["processes"].note = f"not possible: {why_not}"
    else:
        chunk = max(1, min(math.ceil(0.02 / max(profile.task_seconds, 1e-9)),
                           math.ceil(tasks / (4 * workers))))
        started = time.perf_counter()
        pool = stack.enter_context(mp_context().Pool(workers))
        pool.apply_async(abs, (1,)).get(timeout=60)
        rows["processes"].note = (f"{workers} workers ({start_method()}), chunksize {chunk}, "
                                  f"start-up {time.perf_counter() - started:.2f} s not counted")
        runners["processes"] = lambda t: run.run_pool(pool, func, inputs, chunk, t)
    if profile.wait_share > 0.3:
        runners["asyncio"] = lambda t: run.run_asyncio(func, inputs, extra_workers, t)
        rows["asyncio"].note = f"asyncio.to_thread, {extra_workers} threads"
    else:
        rows["asyncio"].note = (f"not tried: tasks wait {profile.wait_share:.0%} of their time; "
                                "asyncio overlaps waits")
    _try_numba(func, inputs, rows, runners, spare)
    bar.update()

    # Each strategy once, untimed: equal to the sequential results, or out.
    for name in list(runners):
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
        rows[name].equal = run.first_difference(got, results) is None
        if not rows[name].equal:
            rows[name].note += "; results differ, not timed"
            del runners[name]
    # As many rounds (up to 3) as fit the budget; strategies that cannot fit are dropped.
    per_round = CAPACITY_SECONDS * 2.5 + sequential * (1 + len(runners))
    count = max(0, min(3, int(spare() // per_round)))
    while count == 0 and runners:
        name = list(runners)[-1]
        rows[name].note += "; stopped: would exceed the budget"
        del runners[name]
        count = 1 if spare() > CAPACITY_SECONDS * 2.5 + sequential * (1 + len(runners)) else 0
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
    best, evidence = _choose(rows, profile, capacity, workers)
    return Advice(best=best, rows=[rows[name] for name in BEST], profile=profile,
                  capacity=capacity, capacity_rounds=tuple(capacity_rounds), workers=workers,
                  evidence=evidence, chapters=_chapters(best, func, inputs, profile))


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


def _choose(rows, profile, capacity, workers) -> tuple[str, str]:
    base = rows["sequential"]
    timed = [row for name, row in rows.items()
             if name != "sequential" and row.seconds is not None and row.equal]
    gil = (f"a call {'releases' if profile.releases_gil else 'holds'} the GIL (a ticking "
           f"thread kept {profile.gil_share:.0%} of its pace)")
    where = (f"Capacity measured in the same rounds: {capacity:.2f} CPUs; tasks wait "
             f"{profile.wait_share:.0%} of their time; {gil}")
    if timed:
        fastest = min(timed, key=lambda row: row.seconds)
        serial = rows["numba"]
        if (fastest.strategy == "numba-parallel" and serial.seconds is not None
                and not (serial.seconds / fastest.seconds > MARGIN
                         and max(fastest.times) < min(serial.times))):
            fastest = serial  # threads inside numba must earn their place over plain njit
        if fastest.speedup > MARGIN and max(fastest.times) < min(base.times):
            return fastest.strategy, (
                f"{fastest.strategy} took {fastest.seconds:.3f} s against {base.seconds:.3f} s "
                f"sequentially ({fastest.speedup:.2f}x, median of {len(base.times)} interleaved "
                f"rounds, every round faster; results equal). {where}.")
        return "sequential", (
            f"The fastest strategy, {fastest.strategy}, gained {fastest.speedup:.2f}x "
            f"({fastest.seconds:.3f} s against {base.seconds:.3f} s): no clear gain, which needs "
            f"more than {MARGIN}x with every one of {len(base.times)} rounds faster. {where}.")
    return "sequential", f"No strategy could be timed with equal results. {where}."


def _chapters(best, func, inputs, profile) -> list[str]:
    chapters = [CHAPTERS[best]] if best in CHAPTERS else []
    if best != "threads":
        chapters.append(CHAPTERS["threads"])
    if profile.cpus_busy > 1.2:
        chapters.append(CHAPTERS["hidden"])
    if any(type(a).__module__ == "numpy" for args in inputs[:1] for a in args):
        with contextlib.suppress(OSError, TypeError):  # no source: a built-in, a lambda in C
            if "for " in inspect.getsource(func):
                chapters.append(CHAPTERS["vectorise"] + ": vectorisation is not automatic, "
                                "and the profile shows a Python loop over array elements")
    return list(dict.fromkeys([*chapters, CHAPTERS["choosing"]]))


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
