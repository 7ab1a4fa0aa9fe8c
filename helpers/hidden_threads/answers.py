"""Reference answers and trials for notebook 11's exercises (checked by ``helpers.exercises``)."""

from __future__ import annotations

from collections.abc import Callable

from helpers.exercises import Trial
from helpers.hidden_threads.experiment import matmul_tasks
from helpers.hidden_threads.workers import BlasResult

#: Exercise 1: the batch the repaired pool must run, and its workers.
BATCH = matmul_tasks(8, 120)
BATCH_WORKERS = 2

#: Exercise 2: a pool the notebook did not measure: N children, each iterating n ints.
PREDICT_WORKERS = 3
PREDICT_ITEMS = 1_000_000

#: Exercise 3: where to limit the threads, for each situation (and why, for a wrong choice).
PLACES = {
    "a process pool whose tasks call NumPy's matrix product": "pool initializer",
    "one cell of a notebook should run BLAS on a single thread, the rest as before":
        "threadpool_limits context",
    "a batch job started by a shell script, 8 copies side by side": "environment variable",
    "a numba parallel=True kernel called inside each of 4 process workers": "numba.set_num_threads",
    "a pure-Python loop in a pool of processes": "nothing to limit",
}
WHY = {
    "a process pool whose tasks call NumPy's matrix product":
        "each worker needs its own limit, set once when it starts: "
        "initializer=limit_blas, initargs=(1,)",
    "one cell of a notebook should run BLAS on a single thread, the rest as before":
        "`with threadpool_limits(1):` takes effect at once and restores the limit on exit",
    "a batch job started by a shell script, 8 copies side by side":
        "the script sets OPENBLAS_NUM_THREADS=1 (OMP_, MKL_…) before Python starts: the "
        "library reads it when it loads",
    "a numba parallel=True kernel called inside each of 4 process workers":
        "numba's pool is not a BLAS library; numba.set_num_threads(1) in each worker (or "
        "NUMBA_NUM_THREADS before numba is imported)",
    "a pure-Python loop in a pool of processes":
        "pure Python starts no hidden threads: the pool is the only level",
}


def one_level_trial(run_batch: Callable[[list[tuple[int, int]], int], list[BlasResult]],
                    reference: list[float]) -> Trial:
    """Exercise 1's trial: every result right, and every task ran with one BLAS thread."""
    def trial() -> str | None:
        results = run_batch(BATCH, BATCH_WORKERS)
        if [round(r.checksum, 6) for r in results] != [round(c, 6) for c in reference]:
            return "the checksums differ from the reference: a task was lost or changed"
        threads = sorted({r.threads for r in results})
        if threads != [1]:
            return (f"tasks ran with {threads} BLAS threads per worker: {BATCH_WORKERS} "
                    f"workers × {max(threads)} threads is more than one level of parallelism")
        return None
    return trial
