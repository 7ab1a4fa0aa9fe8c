"""The course's headline claims, measured side by side in one run (`make bench`).

Not a pass/fail test: it prints a table of each measured value, its ideal and their ratio, with
the source article's figure where it gave one, and writes it to build/benchmark.md. Every
speedup is computed only after its results were checked equal. Each time is the fastest of a few
runs: other programs can only slow a run down.

    python tools/bench.py
"""

from __future__ import annotations

import asyncio
import multiprocessing.pool
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np

from helpers import choosing, gil, kernels, models, shared_state
from helpers.machine import effective_cpus, mp_context, start_method
from helpers.timing import measure

REPORT = Path(__file__).resolve().parent.parent / "build" / "benchmark.md"


@dataclass(frozen=True)
class Row:
    claim: str
    measured: float
    ideal: float | None
    unit: str
    article: str

    def cells(self) -> list[str]:
        ratio = "—" if self.ideal is None else f"{self.measured / self.ideal:.2f}"
        ideal = "—" if self.ideal is None else f"{self.ideal:.3g}{self.unit}"
        return [self.claim, f"{self.measured:.3g}{self.unit}", ideal, ratio, self.article]


def fastest(func: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    result = measure(func, repeat=repeat, warmup=0)
    return result.min, result.result


def process_pool_efficiency(cpus: int) -> Row:
    tasks = [(i, gil.CPU_TERMS) for i in range(4 * cpus)]
    sequential, expected = fastest(lambda: [gil.burn_cpu(t) for t in tasks])
    with mp_context().Pool(cpus) as pool:  # started once: the claim is about the work
        pooled, got = fastest(lambda: pool.map_async(gil.burn_cpu, tasks).get(timeout=120))
    assert got == expected, "the process pool computed different results"
    speedup = sequential / pooled
    return Row(f"process pool on CPU work, {cpus} workers (speedup)", speedup,
               models.ideal_speedup(workers=cpus, tasks=len(tasks), cpus=cpus), "×",
               "1.54× (39.7 s → 25.8 s, CPU count not given)")


def thread_pool_overlap() -> Row:
    waits = [(i, 0.2) for i in range(10)]
    with multiprocessing.pool.ThreadPool(len(waits)) as pool:
        elapsed, got = fastest(lambda: pool.map_async(gil.wait_io, waits).get(timeout=60))
    assert got == list(range(10))
    return Row("thread pool, 10 waits of 0.2 s on 10 threads (overlap)", 2.0 / elapsed, 10.0,
               "×", "3.3× (10.1 s → 3.1 s, pool sized to the CPUs)")


def asyncio_overlap() -> Row:
    async def many() -> list[int]:
        async def wait(i: int) -> int:
            await asyncio.sleep(0.1)
            return i
        return await asyncio.gather(*(wait(i) for i in range(100)))

    elapsed, got = fastest(lambda: asyncio.run(many()))
    assert got == list(range(100))
    return Row("asyncio, 100 waits of 0.1 s on one thread (overlap)", 10.0 / elapsed, 100.0,
               "×", "—")


def numba_against_numpy() -> Row:
    data = np.random.default_rng(0).random(1_000_000)
    kernels.sum_1d(data)  # compile outside the timing
    numba_s, numba_sum = fastest(lambda: kernels.sum_1d(data), repeat=20)
    numpy_s, numpy_sum = fastest(lambda: data.sum(), repeat=20)
    np.testing.assert_allclose(numba_sum, numpy_sum, rtol=1e-9)
    return Row("numba loop against NumPy's sum, 1e6 floats (NumPy time ÷ numba time)",
               numpy_s / numba_s, None, "×", "0.83× (0.67 s NumPy, 0.80 s numba, 500 sums)")


def numba_parallel_efficiency(cpus: int) -> Row:
    data = np.random.default_rng(1).random(4_000_000)
    kernels.sum_f(data)
    kernels.sum_f_parallel(data)
    serial_s, serial = fastest(lambda: kernels.sum_f(data), repeat=10)
    parallel_s, parallel = fastest(lambda: kernels.sum_f_parallel(data), repeat=10)
    np.testing.assert_allclose(parallel, serial, rtol=1e-9)
    threads = min(cpus, numba.get_num_threads())
    return Row(f"numba parallel=True over @njit, {threads} threads (speedup)",
               serial_s / parallel_s, float(threads), "×", "100 000×")


def manager_against_shared_memory() -> Row:
    ctx = mp_context()
    value = ctx.Value("d", 0.0)
    with ctx.Manager() as manager:
        proxy = manager.dict()
        per_proxy = shared_state.per_op_seconds(lambda i: proxy.__setitem__(0, i), 2_000)
    per_value = shared_state.per_op_seconds(lambda i: setattr(value, "value", i), 20_000)
    return Row("Manager dict write ÷ shared Value write (cost per operation)",
               per_proxy / per_value, None, "×", "\"a bit slower\"")


def capstone_best(cpus: int) -> Row:
    tasks = choosing.make_tasks()
    original_s, expected = fastest(lambda: [gil.burn_cpu(task) for task in tasks])
    choosing.burn_numba_nogil(tasks[0])  # compile

    def on_threads() -> list[float]:
        with multiprocessing.pool.ThreadPool(cpus) as pool:
            return pool.map(choosing.burn_numba_nogil, tasks)

    best_s, got = fastest(on_threads)
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    return Row("capstone: numba nogil on a thread pool over the article's task (speedup)",
               original_s / best_s, None, "×", "1.54× (its process pool)")


def main() -> None:
    cpus = effective_cpus()
    # The process pool runs before any numba parallel call: an OpenMP runtime and fork do not mix.
    rows = [process_pool_efficiency(cpus), thread_pool_overlap(), asyncio_overlap(),
            manager_against_shared_memory(), numba_against_numpy(),
            numba_parallel_efficiency(cpus), capstone_best(cpus)]
    header = ["claim", "measured", "ideal", "measured ÷ ideal", "the article"]
    lines = [
        f"# Benchmark: Python {platform.python_version()}, {cpus} effective CPU(s), "
        f"start method {start_method()}, numba {numba.__version__} "
        f"({numba.threading_layer()} threading layer)", "",
        "| " + " | ".join(header) + " |", "|" + "---|" * len(header),
        *("| " + " | ".join(row.cells()) + " |" for row in rows), "",
    ]
    text = "\n".join(lines)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(text, encoding="utf-8")
    print(text)
    print(f"(written to {REPORT}; finished at {time.strftime('%H:%M:%S')})")


if __name__ == "__main__":
    main()
