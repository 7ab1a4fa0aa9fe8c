"""One library, two faces: a coroutine API, and a synchronous wrapper that works in scripts
and, inside a running loop (a notebook cell), refuses with a message that says what to do."""

import asyncio

from helpers.coroutines.server import LatencyServer, fetch


async def fetch_all(address, requests):
    async with asyncio.timeout(30), asyncio.TaskGroup() as group:
        tasks = [group.create_task(fetch(address, i)) for i in range(requests)]
    return [task.result() for task in tasks]


def fetch_all_sync(address, requests):
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop running: the normal case in a script
        return asyncio.run(fetch_all(address, requests))
    raise RuntimeError("fetch_all_sync() cannot run inside a running event loop (a Jupyter "
                       "cell or a coroutine); there, write `await fetch_all(...)` instead")


if __name__ == "__main__":
    with LatencyServer(latency=0.05) as server:
        answers = fetch_all_sync(server.address, 100)
    print("answers in order:", answers == list(range(100)))
    print("server still running:", server.running)
