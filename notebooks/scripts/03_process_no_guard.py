"""Start a spawned Process at the top level, without the __main__ guard."""
import multiprocessing


def hello():
    return None


ctx = multiprocessing.get_context("spawn")
p = ctx.Process(target=hello)
p.start()
p.join(timeout=20)
print("parent carried on; child exit code:", p.exitcode)
