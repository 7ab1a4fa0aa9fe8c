"""A local TCP server with adjustable latency, and one request to it, for notebook 12.

It stands in for a remote web service: real sockets, a set latency, no network needed. It runs
on its own event loop in a background thread, so clients in the notebook's loop, in threads or
in other processes can all use it.

>>> import asyncio
>>> with LatencyServer(latency=0.01) as server:
...     asyncio.run(fetch(server.address, 5)), fetch_blocking(server.address, 6)
(5, 6)
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from typing import Any

from helpers.validate import number, seconds, whole_number

#: The notebook's default latency and number of requests: 200 requests of 50 ms take 10 s one
#: after another, and all at once one latency plus the set-up of 200 connections (which share
#: one process and its GIL with the server): tenths of a second. Raise them to see the shapes.
LATENCY = 0.05
REQUESTS = 200

Address = tuple[str, int]


def raise_open_file_limit(wanted: int = 4096) -> int | None:
    """Raise this process's limit on open files (sockets count) towards ``wanted``.

    Each request holds two sockets here (client and server end), and macOS allows only 256
    open files by default. Returns the new soft limit, or None where there is none (Windows).
    """
    wanted = whole_number("wanted", wanted, minimum=1)
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


class LatencyServer:
    """A TCP server on 127.0.0.1 that answers each line after ``latency`` seconds.

    Use it as a context manager: the ``with`` block always shuts it down (connections closed,
    thread joined). Port 0 lets the system pick a free port: read it from ``address``.
    ``latency`` can be changed between requests; ``peak`` is the most it served at once.
    """

    def __init__(self, latency: float = LATENCY, *, backlog: int = 1024) -> None:
        self.latency = latency
        self.backlog = whole_number("backlog", backlog, minimum=1)
        self.address: Address | None = None
        self.served = 0
        self.in_flight = 0
        self.peak = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task] = set()
        self._stats = threading.Lock()

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "latency":
            value = seconds("latency", value)
        super().__setattr__(name, value)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def reset(self) -> None:
        """Set ``served`` and ``peak`` back to 0 between experiments."""
        with self._stats:
            self.served = 0
            self.peak = self.in_flight

    def __enter__(self) -> LatencyServer:
        if self._thread is not None:
            raise RuntimeError("a LatencyServer can be started only once")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="latency-server",
                                        daemon=True)
        self._thread.start()
        try:
            started = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
            started.result(timeout=10)
        except BaseException:
            self._shutdown()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._shutdown()

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0,
                                                  backlog=self.backlog)
        host, port = self._server.sockets[0].getsockname()[:2]
        self.address = (host, port)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            line = await reader.readline()
            if line:
                with self._stats:
                    self.in_flight += 1
                    self.peak = max(self.peak, self.in_flight)
                try:
                    await asyncio.sleep(self.latency)
                finally:
                    with self._stats:
                        self.in_flight -= 1
                writer.write(line)
                await writer.drain()
                with self._stats:
                    self.served += 1
        except ConnectionError:
            pass  # the client went away: nothing to answer
        finally:
            self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        handlers = list(self._handlers)
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), timeout=5)

    def _shutdown(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if thread.is_alive():
            stopped = asyncio.run_coroutine_threadsafe(self._stop(), loop)
            with contextlib.suppress(Exception):
                stopped.result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
        if thread.is_alive():
            raise RuntimeError("the server thread did not stop within 10 s")
        loop.close()


def _address(address: Any) -> Address:
    if not (isinstance(address, tuple) and len(address) == 2 and isinstance(address[0], str)
            and isinstance(address[1], int)):
        raise TypeError(f"address must be a (host, port) tuple, got {address!r}")
    return address


async def fetch(address: Address, request: int, *, timeout: float = 10.0) -> int:
    """Send one request (a number) to a :class:`LatencyServer`; return its answer.

    One connection per request, as HTTP/1.0 would do; the whole exchange has a ``timeout``.
    """
    host, port = _address(address)
    whole_number("request", request, minimum=0)
    async with asyncio.timeout(number("timeout", timeout, positive=True)):
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(f"{request}\n".encode())
            await writer.drain()
            answer = await reader.readline()
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
    return int(answer)


def fetch_blocking(address: Address, request: int, *, timeout: float = 10.0) -> int:
    """The same request with a blocking socket, for threads and synchronous code."""
    address = _address(address)
    whole_number("request", request, minimum=0)
    with socket.create_connection(address, timeout=number("timeout", timeout,
                                                          positive=True)) as sock:
        sock.sendall(f"{request}\n".encode())
        with sock.makefile("rb") as stream:
            answer = stream.readline()
    return int(answer)
