"""A worker thread at interpreter exit: run with `daemon` or `normal` as the argument."""
import atexit
import sys
import threading
import time

start = time.perf_counter()


def say(line):  # one write per line, so lines from two threads cannot mix
    sys.stdout.write(f"{time.perf_counter() - start:4.2f} s  {line}\n")
    sys.stdout.flush()


def work():
    try:
        for step in range(10):
            say(f"worker: step {step}")
            time.sleep(0.1)
        say("worker: finished all 10 steps")
    finally:
        say("worker: finally block ran")


atexit.register(say, "atexit: the interpreter is exiting")
worker = threading.Thread(target=work, name="worker", daemon=sys.argv[1] == "daemon")
worker.start()
worker.join(timeout=0.25)
say(f"main: join(timeout=0.25) returned, worker alive = {worker.is_alive()}")
say("main: end of script")
