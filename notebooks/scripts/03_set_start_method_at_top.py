"""The article's pattern: set_start_method at module level (here "spawn", as on Windows)."""
import multiprocessing

multiprocessing.set_start_method("spawn")


def hello():
    return None


if __name__ == "__main__":
    p = multiprocessing.Process(target=hello)
    p.start()
    p.join(timeout=20)
    print("child exit code:", p.exitcode)
