"""The article's two-task example, run by asyncio.run in a script (sleeps of 0.5 s, not 1 s)."""

import asyncio
from time import perf_counter


async def foo():
    return 1


async def work(name):
    print(f"{name} start")
    await asyncio.sleep(0.5)
    print(f"{name} end")
    return f"{name} result"


async def main():
    tasks = [asyncio.create_task(work(name)) for name in ("work1", "work2")]
    print("res1:", await tasks[0])
    print("res2:", await tasks[1])


foo()  # the article's line: makes a coroutine and drops it
start = perf_counter()
asyncio.run(main())
print(f"Total time: {perf_counter() - start:.2f} seconds")
