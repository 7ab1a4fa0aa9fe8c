"""The same Pool, started under the __main__ guard."""
import multiprocessing


def square(x):  # defined in the script: a spawned child imports the script and finds it
    return x * x


def main():
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        print(pool.map_async(square, [1, 2, 3]).get(timeout=20))


if __name__ == "__main__":
    main()
