"""Start a Process at the top level, without the __main__ guard (spawn, or the method named
as the first argument)."""
import multiprocessing
import sys


def hello():
    return None


ctx = multiprocessing.get_context(sys.argv[1] if len(sys.argv) > 1 else "spawn")
p = ctx.Process(target=hello)
p.start()
p.join(timeout=20)
print("parent carried on; child exit code:", p.exitcode)
