"""A program for Python 3.15's sampling profiler (notebook 01): one hot function, one cold."""


def hot_spot(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def cold_setup():
    return sorted(range(10_000), key=lambda i: -i)


def main():
    cold_setup()
    return sum(hot_spot(300_000) for _ in range(10))


if __name__ == "__main__":
    print(main())
