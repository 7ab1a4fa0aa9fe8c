"""A non-daemon worker that waits for an Event which only an atexit handler sets."""
import atexit
import threading

stop = threading.Event()


def loop():
    while not stop.wait(timeout=0.1):
        pass


threading.Thread(target=loop, name="worker").start()
atexit.register(stop.set)  # runs only after the interpreter has joined the worker: never
print("main: end of script", flush=True)
