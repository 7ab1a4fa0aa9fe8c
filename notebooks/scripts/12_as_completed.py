"""asyncio.as_completed in both forms: Python 3.13's `async for` yields the original tasks;
the plain `for` (every version) yields new awaitables, not the tasks. Exits 1 if a check fails."""

import asyncio
import sys


async def work(i):
    await asyncio.sleep(0.05 * (3 - i))
    return i


async def main():
    tasks = [asyncio.create_task(work(i), name=f"work {i}") for i in range(3)]
    order, same_objects = [], []
    async with asyncio.timeout(5):
        if sys.version_info >= (3, 13):
            print("branch: async for")
            async for task in asyncio.as_completed(tasks):  # the original task objects
                same_objects.append(task in tasks)
                order.append((task.get_name(), task.result()))
        else:
            print("branch: plain for")
            for next_done in asyncio.as_completed(tasks):  # a new awaitable each time
                same_objects.append(next_done in tasks)
                order.append(("?", await next_done))
    print("completed:", order)
    if sys.version_info >= (3, 13):
        ok = all(same_objects) and order == [("work 2", 2), ("work 1", 1), ("work 0", 0)]
    else:
        ok = not any(same_objects) and [value for _, value in order] == [2, 1, 0]
    print("yielded the original tasks:", all(same_objects))
    return ok


sys.exit(0 if asyncio.run(main()) else 1)
