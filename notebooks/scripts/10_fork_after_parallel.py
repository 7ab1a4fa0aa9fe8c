"""numba's parallel=True in a parent, then a process pool: which children survive?"""

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numba
import numpy as np

from helpers.numba_kernels import workers


def run_pool(method: str):
    context = multiprocessing.get_context(method)
    try:
        with ProcessPoolExecutor(2, mp_context=context) as pool:
            futures = [pool.submit(workers.sum_f_parallel, np.ones(1000)) for _ in range(2)]
            return [future.result(timeout=20) for future in futures]
    except BrokenProcessPool:
        return "BrokenProcessPool"
    except TimeoutError:
        return "timed out"


if __name__ == "__main__":
    parent = workers.sum_f_parallel(np.ones(1000))  # starts numba's threads in this process
    methods = [m for m in ("fork", "spawn") if m in multiprocessing.get_all_start_methods()]
    print(json.dumps({"layer": numba.threading_layer(), "parent": parent,
                      **{method: run_pool(method) for method in methods}}))
