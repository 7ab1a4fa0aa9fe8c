"""Run a notebook cell's text in a fresh Jupyter kernel; report a cached function's cache stats.

    python 10_fresh_kernel.py CELL_FILE FUNCTION_NAME

A kernel, not a plain interpreter: numba caches a cell's function through IPython's cache
locator, keyed by the cell's text, so only the same text in a kernel finds that cache.
"""

import json
import sys
from pathlib import Path

from jupyter_client.manager import start_new_kernel

#: What the notebook's setup cell imported, run first as a cell of its own.
SETUP = "import math\nimport numpy as np\nfrom numba import njit, prange"
REPORT = """
import inspect as _inspect, json as _json
print(_json.dumps({{
    "hits": sum({name}.stats.cache_hits.values()),
    "misses": sum({name}.stats.cache_misses.values()),
    "locator": type({name}._cache._impl.locator).__name__,
    "cache_path": {name}._cache._cache_path,
    "cell_file": _inspect.getfile({name}.py_func)}}))
"""


def run_in_fresh_kernel(cell: str, name: str, timeout: float = 60) -> dict:
    manager, client = start_new_kernel(kernel_name="python3", startup_timeout=timeout)
    try:
        errors, printed = [], []

        def keep(message: dict) -> None:
            if message["msg_type"] == "error":
                errors.append(message["content"]["ename"])
            elif message["msg_type"] == "stream" and message["content"]["name"] == "stdout":
                printed.append(message["content"]["text"])

        client.execute_interactive(SETUP, timeout=timeout, output_hook=keep)
        client.execute_interactive(cell, timeout=timeout, output_hook=keep)
        printed.clear()
        client.execute_interactive(REPORT.format(name=name), timeout=timeout, output_hook=keep)
        if errors:
            raise RuntimeError(f"the cell raised {errors}")
        return json.loads("".join(printed))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


if __name__ == "__main__":
    cell_file, function_name = sys.argv[1:3]
    print(json.dumps(run_in_fresh_kernel(Path(cell_file).read_text(), function_name)))
