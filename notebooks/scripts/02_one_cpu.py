"""Pin this interpreter to one CPU, then run CPU tasks sequentially and on 2 processes.

Three interleaved rounds (sequential, pool, sequential, pool, ...), or as many as the first
argument says; each figure is a median.

The workers report their own CPU time (time.process_time() inside each task), which counts
under every start method: os.times() would count only children this process reaped, and
forkserver's workers are the server's children, not ours. Prints one line of JSON.
"""

import json
import os
import statistics
import sys
import threading
import time
from multiprocessing.pool import ThreadPool

from helpers.machine import effective_cpus, mp_context
from helpers.tasks import CPU_TERMS, burn_cpu_timed

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3  # interleaved rounds


def thread_name(_):
    time.sleep(0.02)
    return threading.current_thread().name


def main():
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # pin to one CPU
    tasks = [(i, CPU_TERMS) for i in range(4)]
    rounds = {"sequential_s": [], "sequential_cpu_s": [], "pool_s": [], "workers_cpu_s": []}
    equal = True
    with mp_context().Pool(2) as pool:
        pool.map(abs, range(2))  # wait until the workers are up: time the work only
        for _ in range(ROUNDS):  # interleaved, so a busy spell hits both alike
            start = time.perf_counter()
            sequential = [burn_cpu_timed(task) for task in tasks]
            rounds["sequential_s"].append(time.perf_counter() - start)
            start = time.perf_counter()
            parallel = pool.map_async(burn_cpu_timed, tasks, 1).get(timeout=60)
            rounds["pool_s"].append(time.perf_counter() - start)
            rounds["sequential_cpu_s"].append(sum(c for _, c, _ in sequential))
            rounds["workers_cpu_s"].append(sum(c for _, c, _ in parallel))
            equal = equal and [v for v, _, _ in parallel] == [v for v, _, _ in sequential]
    with ThreadPool() as pool:
        names = set(pool.map(thread_name, range(24), chunksize=1))
    print(json.dumps({
        "os.cpu_count()": os.cpu_count(), "effective_cpus()": effective_cpus(),
        "ThreadPool() threads": len(names),
        "equal": equal, "rounds": ROUNDS,
        **{name: statistics.median(values) for name, values in rounds.items()},
    }))


if __name__ == "__main__":
    main()
