"""The course's headline claims, measured side by side in one run (`make bench`).

Not a pass/fail test: it prints a table of each measured ratio with its spread and its ideal,
and writes ``build/benchmark.md`` and ``build/benchmark.json``. How it measures
(:mod:`helpers.bench`): every speedup only after its results were checked equal; the two sides
of each comparison run the same code in comparable places (a process pool's baseline is a
one-worker pool of the same context, not the parent), in turns (A, B, A, B …); each figure is
the median of the per-pair ratios, its spread their interquartile range; a ratio above its
ideal by more than its spread is printed as a failed measurement. Run it twice: the second run
says whether each row agrees with the first within 15 %. Judge it on a quiet machine.

    python tools/bench.py
"""

from __future__ import annotations

import asyncio
import os
import platform
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.pool import ThreadPool
from pathlib import Path

# GNU OpenMP's threads (numba's omp layer) spin for a while after each parallel call, on every
# core: a thread pool measured right after them found no free core (NumPy pieces on 2 threads
# ran at 0.98x their one-thread rate). Passive waiting, read when the library loads, frees the
# cores at once. Notebook 11 shows the same hidden threads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba
import numpy as np

from helpers import gil, kernels
from helpers.bench import Row, load_previous, paired_ratio, row_from, time_ratio, write
from helpers.bench import compare as compare_rows
from helpers.machine import effective_cpus, mp_context, start_method
from helpers.timing import interleaved

BUILD = Path(__file__).resolve().parent.parent / "build"

#: Process-pool tasks: 4 per CPU of 100 000 terms (about 0.25 s each here), so a warm pool's
#: dispatch (milliseconds) is amortised.
POOL_TERMS = 100_000
#: The capstone's task at the bench's size: 8 tasks of 1 M terms (the notebook uses 50 000).
CAPSTONE_TASKS, CAPSTONE_TERMS = 8, 1_000_000


def process_pool_efficiency(cpus: int) -> Row:
    tasks = [(i, POOL_TERMS) for i in range(4 * cpus)]
    ctx = mp_context()
    with ctx.Pool(1) as one, ctx.Pool(cpus) as many:  # both warm: the claim is about the work
        def on(pool):
            return lambda: pool.map_async(gil.burn_cpu, tasks, chunksize=1).get(timeout=300)
        runs = interleaved({"1 worker": on(one), f"{cpus} workers": on(many)}, repeat=7)
    assert runs["1 worker"].result == runs[f"{cpus} workers"].result, "pools disagree"
    ideal = min(cpus, len(tasks))
    return row_from(time_ratio(runs["1 worker"], runs[f"{cpus} workers"]),
                    id="process_pool_efficiency", ideal=1.0, scale=1 / ideal,
                    claim=f"process pool of {cpus} on CPU work ({len(tasks)} tasks of "
                          f"{POOL_TERMS:,} terms) ÷ the same pool of 1, ÷ {ideal} (efficiency)",
                    article="1.54× (39.7 s → 25.8 s, CPU count not given)",
                    detail=f"medians {runs['1 worker'].median:.2f} s (1 worker) and "
                           f"{runs[f'{cpus} workers'].median:.2f} s ({cpus} workers), "
                           f"start method {start_method()}")


def thread_pool_overlap() -> Row:
    waits = [(i, 0.1) for i in range(10)]
    with ThreadPool(1) as one, ThreadPool(len(waits)) as many:
        def on(pool):
            return lambda: pool.map_async(gil.wait_io, waits).get(timeout=60)
        runs = interleaved({"1 thread": on(one), "10 threads": on(many)}, repeat=5)
    assert runs["1 thread"].result == runs["10 threads"].result == list(range(10))
    return row_from(time_ratio(runs["1 thread"], runs["10 threads"]),
                    id="thread_pool_overlap", ideal=10.0,
                    claim="thread pool, 10 waits of 0.1 s: 10 threads ÷ 1 thread (overlap)",
                    article="3.3× (10.1 s → 3.1 s, pool sized to the CPUs)")


def asyncio_overlap() -> Row:
    async def wait(i: int) -> int:
        await asyncio.sleep(0.01)
        return i

    async def one_by_one() -> list[int]:
        return [await wait(i) for i in range(100)]

    async def together() -> list[int]:
        return list(await asyncio.gather(*(wait(i) for i in range(100))))

    runs = interleaved({"awaited in turn": lambda: asyncio.run(one_by_one()),
                        "gathered": lambda: asyncio.run(together())}, repeat=7)
    assert runs["awaited in turn"].result == runs["gathered"].result == list(range(100))
    return row_from(time_ratio(runs["awaited in turn"], runs["gathered"]),
                    id="asyncio_overlap", ideal=100.0,
                    claim="asyncio, 100 waits of 0.01 s on one thread: gathered ÷ awaited in "
                          "turn (overlap)")


def manager_vs_shared_value() -> Row:
    ctx = mp_context()
    value = ctx.Value("d", 0.0)
    proxy_ops, value_ops = 500, 20_000
    with ctx.Manager() as manager:
        proxy = manager.dict()

        def proxy_writes() -> float:
            for i in range(proxy_ops):
                proxy[0] = float(i)
            return proxy[0]

        def value_writes() -> float:
            for i in range(value_ops):
                value.value = float(i)
            return value.value

        runs = interleaved({"Manager": proxy_writes, "Value": value_writes}, repeat=9)
    assert runs["Manager"].result == proxy_ops - 1 and runs["Value"].result == value_ops - 1
    ratio = paired_ratio([t / proxy_ops for t in runs["Manager"].times],
                         [t / value_ops for t in runs["Value"].times])
    return row_from(ratio, id="manager_vs_shared_value", ideal=None,
                    claim="Manager dict write ÷ shared Value write (time per write)",
                    article="\"a bit slower\"",
                    detail=f"{runs['Manager'].median / proxy_ops * 1e6:.1f} µs against "
                           f"{runs['Value'].median / value_ops * 1e6:.2f} µs per write")


def numba_vs_numpy(size: int = 1_000_000) -> list[Row]:
    data = np.random.default_rng(0).random(size)
    fastmath = numba.njit(fastmath=True)(kernels.sum_1d_python)
    calls = 20  # per timing: one sum takes under a millisecond, too short to time steadily

    def many(summer):
        return lambda: [summer(data) for _ in range(calls)][-1]

    runs = interleaved({"plain": many(kernels.sum_1d), "fastmath": many(fastmath),
                        "NumPy": many(np.sum)}, repeat=21, warmup=2)  # warm-up compiles
    for name in ("plain", "fastmath"):
        np.testing.assert_allclose(runs[name].result, runs["NumPy"].result, rtol=1e-9)
    rate = {name: size * calls / m.median / 1e9 for name, m in runs.items()}
    rows = []
    for name, how in (("plain", "strict order"), ("fastmath", "fastmath=True, SIMD")):
        rows.append(row_from(
            time_ratio(runs["NumPy"], runs[name]), id=f"numba_vs_numpy_{name}", ideal=None,
            claim=f"numba loop ({how}) ÷ NumPy's sum, {size:,} floats (rate ratio, one core)",
            article="0.83× (0.67 s NumPy, 0.80 s numba, 500 sums)" if name == "plain" else "—",
            detail=f"{rate[name]:.2f} G floats/s per core against NumPy's {rate['NumPy']:.2f} "
                   f"({rate[name] * 8:.1f} against {rate['NumPy'] * 8:.1f} GB/s)"))
    return rows


def prange_efficiency(cpus: int, terms: int = 4_000_000) -> Row:
    strict_parallel = numba.njit(parallel=True)(kernels.capstone_sum_python)
    threads = min(cpus, numba.get_num_threads())
    runs = interleaved({"serial": lambda: kernels.capstone_sum(terms),
                        "prange": lambda: strict_parallel(terms)}, repeat=15, warmup=2)
    np.testing.assert_allclose(runs["prange"].result, runs["serial"].result, rtol=1e-9)
    return row_from(time_ratio(runs["serial"], runs["prange"]), id="prange_efficiency",
                    ideal=1.0, scale=1 / threads,
                    claim=f"numba parallel=True (prange) over @njit, {threads} threads, the "
                          f"capstone's sum of {terms:,} terms ÷ {threads} (efficiency)",
                    article="100 000×",
                    detail=f"{terms / runs['serial'].median / 1e6:.0f} M terms/s serial, "
                           f"{terms / runs['prange'].median / threads / 1e6:.0f} M per core "
                           "with prange")


def capstone_share_of_limit(cpus: int) -> Row:
    """Best parallel rate ÷ (effective CPUs × best one-core rate), every variant in turns."""
    n, count = CAPSTONE_TERMS, CAPSTONE_TASKS
    pool = ThreadPoolExecutor(cpus)
    for kernel in (kernels.capstone_sum, kernels.capstone_sum_fastmath,
                   kernels.capstone_sum_parallel):
        kernel(10)  # compile outside the timing
    one_core = {
        "NumPy pieces in turn": lambda: [kernels.capstone_numpy_split(n, map, cpus)
                                         for _ in range(count)],
        "numba serial": lambda: [kernels.capstone_sum(n) for _ in range(count)],
        "numba fastmath": lambda: [kernels.capstone_sum_fastmath(n) for _ in range(count)],
    }
    every_core = {
        "NumPy pieces on threads": lambda: [kernels.capstone_numpy_split(
            n, pool.map, cpus, kernels.THREAD_BLOCK) for _ in range(count)],
        "numba parallel fastmath": lambda: [kernels.capstone_sum_parallel(n)
                                            for _ in range(count)],
    }
    with pool:
        runs = interleaved({**one_core, **every_core}, repeat=9)
        article_terms = 20_000  # the article's code: the rate per term does not depend on n
        article = interleaved({"article": lambda: gil.burn_cpu((0, article_terms))}, repeat=3)
    expected = kernels.capstone_sum(n)
    for name, m in runs.items():
        np.testing.assert_allclose(m.result, [expected] * count, rtol=1e-9, err_msg=name)
    np.testing.assert_allclose(article["article"].result, kernels.capstone_sum(article_terms),
                               rtol=1e-9)
    rounds = range(len(runs["numba serial"].times))
    shares = [min(runs[v].times[r] for v in one_core) / (cpus * min(
        runs[v].times[r] for v in every_core)) for r in rounds]
    share = paired_ratio(shares, [1.0] * len(shares))
    rate = {name: n * count / m.median / 1e6 for name, m in runs.items()}
    best_one, best_all = max(one_core, key=rate.get), max(every_core, key=rate.get)
    article_rate = article_terms / article["article"].median / 1e6
    return row_from(share, id="capstone_share_of_limit", ideal=1.0,
                    claim=f"capstone: best parallel rate ({best_all}) ÷ {cpus} CPUs × best "
                          f"one-core rate ({best_one}); {rate[best_all] / article_rate:.0f}× "
                          "the article's task",
                    article="1.54× (its process pool)",
                    detail="M terms/s (per core): " + ", ".join(
                        f"{name} {r:.0f} ({r / (cpus if name in every_core else 1):.0f})"
                        for name, r in rate.items()) + f", the article's code {article_rate:.2f}")


def main() -> None:
    cpus = effective_cpus()
    started, load = time.perf_counter(), os.getloadavg()
    previous = load_previous(BUILD / "benchmark.json")
    # The process pool runs before any numba parallel call: an OpenMP runtime and fork do not mix.
    rows = [process_pool_efficiency(cpus), thread_pool_overlap(), asyncio_overlap(),
            manager_vs_shared_value(), *numba_vs_numpy(), prange_efficiency(cpus),
            capstone_share_of_limit(cpus)]
    machine = {"python": platform.python_version(), "effective_cpus": cpus,
               "start_method": start_method(), "numba": numba.__version__,
               "threading_layer": numba.threading_layer(), "numpy": np.__version__,
               "load_before": [round(x, 2) for x in load],
               "load_after": [round(x, 2) for x in os.getloadavg()],
               "seconds": round(time.perf_counter() - started, 1)}
    title = (f"Benchmark: Python {machine['python']}, {cpus} effective CPU(s), start method "
             f"{machine['start_method']}, numba {machine['numba']} ({machine['threading_layer']}"
             f" threading layer), NumPy {machine['numpy']}")
    agreement = compare_rows(rows, previous)
    notes = [f"Load average (1, 5, 15 min) before {machine['load_before']}, after "
             f"{machine['load_after']}; {machine['seconds']} s. Spread: interquartile range of "
             "the per-pair ratios, as a fraction of the median. Judge it on a quiet machine.",
             *(["", "Against the previous run:", *(f"- {line}" for line in agreement)]
               if agreement else [])]
    text_path, json_path = write(rows, BUILD, title, notes, machine)
    print(text_path.read_text(encoding="utf-8"))
    failed = [row.id for row in rows if row.above_ideal]
    print(f"(written to {text_path} and {json_path.name}; "
          f"{len(failed)} failed measurement(s){': ' + ', '.join(failed) if failed else ''})")


if __name__ == "__main__":
    main()
