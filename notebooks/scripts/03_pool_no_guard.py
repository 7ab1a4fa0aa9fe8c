"""Start a spawned Pool at the top level, without the __main__ guard."""
import multiprocessing


def square(x):
    return x * x


ctx = multiprocessing.get_context("spawn")
with ctx.Pool(2) as pool:
    print(pool.map(square, [1, 2, 3]))  # no timeout: the script's timeout bounds it
