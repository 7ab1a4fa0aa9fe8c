"""One tiny parallel numba call: only then is a threading layer chosen; report it as JSON."""
import json

import numba
from numba import njit, prange


@njit(parallel=True)
def total(n):
    s = 0.0
    for i in prange(n):
        s += i
    return s


value = total(1000)
print(json.dumps({"numba": numba.__version__, "layer": numba.threading_layer(),
                  "threads": numba.get_num_threads(), "value": value}))
