"""A program that computes in two threads and then waits: what py-spy sees from outside.

The main thread computes (`crunch`) while a second thread computes too (`background`), then
the main thread waits in `time.sleep` (`wait_for_disk`, standing in for I/O). Each part takes
about 0.4 s of wall time.
"""

import threading
import time


def busy_for(seconds):
    """Compute for `seconds` of wall time; return how many rounds that took."""
    end = time.perf_counter() + seconds
    rounds = 0
    while time.perf_counter() < end:
        sum(i * i for i in range(2_000))
        rounds += 1
    return rounds


def crunch():
    return busy_for(0.4)


def background():
    return busy_for(0.4)


def wait_for_disk():
    time.sleep(0.4)


def main():
    helper = threading.Thread(target=background, name="background")
    helper.start()
    crunch()
    helper.join(timeout=10)
    wait_for_disk()
    print("done")


if __name__ == "__main__":
    main()
