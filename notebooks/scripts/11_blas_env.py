"""How many threads OpenBLAS/MKL start, and when an environment variable is read.

Run as ``python 11_blas_env.py`` (the variable, if any, set by the caller before start) or
``python 11_blas_env.py late`` (the script sets OPENBLAS_NUM_THREADS=1 after importing NumPy).
"""

import os
import sys

import numpy as np
from threadpoolctl import threadpool_info

if sys.argv[1:] == ["late"]:
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # too late: the library has read it already
    os.environ["MKL_NUM_THREADS"] = "1"

product = np.ones((200, 200)) @ np.ones((200, 200))  # use BLAS once
blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
print("OPENBLAS_NUM_THREADS =", os.environ.get("OPENBLAS_NUM_THREADS"))
print("blas threads:", max((lib["num_threads"] for lib in blas), default=0))
