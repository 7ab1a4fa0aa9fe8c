"""Pure-Python work on threads of one interpreter, then one subinterpreter per thread (3.14+).

Each subinterpreter has its own GIL, so pure-Python work runs on several cores in one
process. The work is sent as source text: NumPy and numba cannot load in a subinterpreter.
Creating the interpreters is timed on its own (``create_s``): in 3.14 it is far slower than
starting a thread (each interpreter imports its modules again), and it is not in the run's time.
Usage: 15_subinterpreters.py TASKS WORKERS TERMS; prints one line of JSON.
"""
import importlib.util
import json
import sys
import threading
import time

WORK = """
import math
n = {terms}
results.put(sum(math.log(i + 1) for i in range(n)) + sum(i ** 1.1 for i in range(n)))
"""


def run(interpreters, count, workers, terms, use_interpreters):
    results = interpreters.create_queue()
    created = time.perf_counter()
    interps = [interpreters.create() for _ in range(workers)] if use_interpreters else []
    for interp in interps:
        interp.prepare_main(results=results)
    create_s = time.perf_counter() - created

    def one(slot):
        for _ in range(slot, count, workers):
            if use_interpreters:
                interps[slot].exec(WORK.format(terms=terms))
            else:
                exec(WORK.format(terms=terms), {"results": results})

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
    return elapsed, values, create_s


if __name__ == "__main__":
    if importlib.util.find_spec("concurrent.interpreters") is None:
        print(json.dumps({"available": False}))  # new in Python 3.14
        sys.exit(0)
    from concurrent import interpreters

    count, workers, terms = (int(arg) for arg in sys.argv[1:4])
    threads_s, on_threads, _ = run(interpreters, count, workers, terms, use_interpreters=False)
    interps_s, on_interps, create_s = run(interpreters, count, workers, terms,
                                          use_interpreters=True)
    print(json.dumps({"available": True, "threads_s": threads_s, "interpreters_s": interps_s,
                      "create_s": create_s, "on_threads": on_threads,
                      "on_interpreters": on_interps}))
