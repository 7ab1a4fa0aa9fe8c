"""Coroutines, a local server with adjustable latency, and exercise checkers for notebook 09.

The notebook runs inside Jupyter's event loop and uses top-level ``await``; everything here
that a process pool runs (:func:`cpu_work`) is importable, so it works under every start method.

>>> import asyncio
>>> with LatencyServer(latency=0.01) as server:
...     asyncio.run(fetch_all(server.address, 5))
[0, 1, 2, 3, 4]
>>> rounds_time(requests=200, limit=50, seconds=0.05)
0.2
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from matplotlib.axes import Axes

from helpers import plots
from helpers.checks import feedback
from helpers.tracing import (  # noqa: F401 - re-exported: the notebook reads them here
    Recorder,
    Span,
    concurrency_over_time,
    peak_concurrency,
    task_name,
)

#: The server's default latency and the notebook's number of requests: 200 requests of 50 ms
#: take 10 s one after another and about 50 ms all at once. Raise them to see the same shapes.
LATENCY = 0.05
REQUESTS = 200

Address = tuple[str, int]


def _check_number(name: str, value: Any, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, got {type(value).__name__}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'> 0' if positive else '>= 0'}, got {value}")
    return float(value)


def _check_count(name: str, value: Any, lowest: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < lowest:
        raise ValueError(f"{name} must be >= {lowest}, got {value}")
    return value


# ---- small coroutines and workers ----

async def nap(task: Any, seconds: float, recorder: Recorder | None = None) -> Any:
    """Wait ``seconds`` without blocking the loop, as a network call would; return ``task``.

    With a ``recorder``, the wait is recorded as one span of the running asyncio task.

    >>> asyncio.run(nap("a", 0.01))
    'a'
    """
    seconds = _check_number("seconds", seconds)
    if recorder is None:
        await asyncio.sleep(seconds)
    else:
        with recorder.span(task, worker=task_name()):
            await asyncio.sleep(seconds)
    return task


def block(task: Any, seconds: float) -> tuple[Any, str]:
    """Wait ``seconds`` with ``time.sleep`` (a blocking call); return ``(task, thread name)``.

    >>> block(3, 0)
    (3, 'MainThread')
    """
    time.sleep(_check_number("seconds", seconds))
    return task, threading.current_thread().name


def cpu_work(n: int) -> int:
    """Sum ``i * i`` for ``i < n`` in pure Python: CPU work that holds the GIL.

    Process-pool workers must be importable, so it lives here. The exact answer is
    ``(n - 1) n (2n - 1) / 6``, so a result from another process is easy to check.

    >>> cpu_work(4) == 0 + 1 + 4 + 9 == sum_of_squares(4)
    True
    """
    n = _check_count("n", n, lowest=0)
    return sum(i * i for i in range(n))


def sum_of_squares(n: int) -> int:
    """The closed form of :func:`cpu_work`.

    >>> sum_of_squares(1_000_000) == cpu_work(1_000_000)
    True
    """
    n = _check_count("n", n, lowest=0)
    return (n - 1) * n * (2 * n - 1) // 6


async def heartbeat(recorder: Recorder, interval: float = 0.01) -> None:
    """Tick every ``interval`` seconds forever, recording each tick as a span.

    A tick that lasts much longer than ``interval`` means the loop was frozen. It never returns:
    cancel the task (and await it) to stop it.

    >>> async def main():
    ...     recorder = Recorder()
    ...     beat = asyncio.create_task(heartbeat(recorder, 0.01))
    ...     await asyncio.sleep(0.05)
    ...     beat.cancel()
    ...     await asyncio.gather(beat, return_exceptions=True)
    ...     return len(recorder.spans) >= 2
    >>> asyncio.run(main())
    True
    """
    if not isinstance(recorder, Recorder):
        raise TypeError(f"recorder must be a helpers.tracing.Recorder, got "
                        f"{type(recorder).__name__}")
    interval = _check_number("interval", interval, positive=True)
    worker = task_name()
    while True:
        with recorder.span("tick", worker=worker):
            await asyncio.sleep(interval)


# ---- reading spans ----

def longest(spans: Sequence[Span], task: Any = "tick") -> float:
    """The longest duration among the spans of ``task`` (a heartbeat's longest tick).

    >>> longest([Span("a", "tick", 0, 0.01), Span("a", "tick", 0.01, 0.5)])
    0.49
    """
    durations = [s.duration for s in spans if isinstance(s, Span) and s.task == task]
    if not durations:
        raise ValueError(f"no span of task {task!r}")
    return max(durations)


def timeline_with_results(
    spans: Sequence[Span], received: Sequence[float], *, ax: Axes | None = None,
    title: str = "", origin: float | None = None,
) -> Axes:
    """A :func:`helpers.plots.timeline` with one more row: when the caller got each result.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = timeline_with_results([Span("a", 1, 0, 1)], [1.0])
    >>> ax.get_yticklabels()[-1].get_text()
    'results received'
    """
    spans = list(spans)
    received = [_check_number("received time", t) for t in received]
    if not received:
        raise ValueError("received must hold at least one time")
    origin = min(s.start for s in spans) if (origin is None and spans) else (origin or 0.0)
    ax = plots.timeline(spans, ax=ax, title=title, origin=origin,
                        label=lambda task: "" if task == "tick" else str(task))
    labels = [label.get_text() for label in ax.get_yticklabels()]
    lane = len(labels)
    ax.scatter([t - origin for t in received], [lane] * len(received), marker="D", s=30,
               color=plots.OKABE_ITO[5], zorder=3)
    ax.set_yticks(range(lane + 1), [*labels, "results received"])
    ax.set_ylim(lane + 0.6, -0.6)
    return ax


def plot_concurrency(spans: Sequence[Span], limit: int | None = None, *,
                     ax: Axes | None = None, title: str = "") -> Axes:
    """Draw how many spans run over time, with the ``limit`` they should never pass.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_concurrency([Span("a", 1, 0, 1), Span("b", 2, 0.5, 2)], limit=2)
    >>> ax.get_ylabel()
    'requests in flight'
    """
    times, counts = concurrency_over_time(spans)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8, 3), layout="constrained")
    ax.step(times - times[0], counts, where="post", color=plots.OKABE_ITO[0],
            label="in flight (measured)")
    if limit is not None:
        ax.axhline(_check_count("limit", limit), linestyle="--", color=plots.OKABE_ITO[5],
                   label=f"limit = {limit}")
    ax.set(xlabel="time since the first request (s)", ylabel="requests in flight",
           title=title)
    top = max(int(counts.max()), limit or 0)
    ax.set_ylim(0, top * 1.3 + 1)
    ax.legend(loc="upper right", fontsize=8, ncols=2)
    return ax


# ---- models ----

def rounds_time(requests: int, limit: int, seconds: float) -> float:
    """Least wall time of ``requests`` waits of ``seconds`` with at most ``limit`` at once.

    >>> rounds_time(requests=10, limit=6, seconds=0.1)
    0.2
    """
    requests = _check_count("requests", requests)
    limit = _check_count("limit", limit)
    seconds = _check_number("seconds", seconds)
    return math.ceil(requests / limit) * seconds


def default_thread_bound(cpus: int | None = None) -> int:
    """Size of ``ThreadPoolExecutor()``, hence of the loop's default executor (``to_thread``).

    ``min(32, cpus + 4)``, where ``cpus`` is ``os.cpu_count()`` up to Python 3.12 and
    ``os.process_cpu_count()`` (CPU affinity) from 3.13.

    >>> default_thread_bound(2), default_thread_bound(64)
    (6, 32)
    """
    if cpus is None:
        counter = getattr(os, "process_cpu_count", os.cpu_count)
        cpus = counter() or 1
    return min(32, _check_count("cpus", cpus) + 4)


# ---- a local server with adjustable latency, and its clients ----

def raise_open_file_limit(wanted: int = 4096) -> int | None:
    """Raise this process's limit on open files (sockets count) towards ``wanted``.

    Each request holds two sockets here (client and server end), and macOS allows only 256 open
    files by default. Returns the new soft limit, or ``None`` where there is no such limit
    (Windows).

    >>> limit = raise_open_file_limit()
    >>> limit is None or limit >= 256
    True
    """
    wanted = _check_count("wanted", wanted)
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

    It runs on its own event loop in a background thread, so clients in the notebook's loop,
    in threads or in other processes can all talk to it. Use it as a context manager: the
    ``with`` block always shuts it down (connections closed, thread joined). The port is 0, so
    the operating system picks a free one: read it from ``server.address``. ``latency`` can be
    changed between requests. ``peak`` is the most requests it ever served at once.

    >>> with LatencyServer(latency=0) as server:
    ...     fetch_blocking(server.address, 7)
    7
    >>> server.served, server.running  # read once the server has stopped: no race
    (1, False)
    """

    def __init__(self, latency: float = LATENCY, *, backlog: int = 1024) -> None:
        self.latency = _check_number("latency", latency)
        self.backlog = _check_count("backlog", backlog)
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
            value = _check_number("latency", value)
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


def _check_address(address: Any) -> Address:
    if not (isinstance(address, tuple) and len(address) == 2 and isinstance(address[0], str)
            and isinstance(address[1], int)):
        raise TypeError(f"address must be a (host, port) tuple, got {address!r}")
    return address


async def fetch(address: Address, request: int, *, timeout: float = 10.0) -> int:
    """Send one request to a :class:`LatencyServer` and return its answer (the request number).

    One connection per request, as HTTP/1.0 would do; the whole exchange has a ``timeout``.
    """
    host, port = _check_address(address)
    _check_count("request", request, lowest=0)
    _check_number("timeout", timeout, positive=True)
    async with asyncio.timeout(timeout):
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
    address = _check_address(address)
    _check_count("request", request, lowest=0)
    _check_number("timeout", timeout, positive=True)
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(f"{request}\n".encode())
        with sock.makefile("rb") as stream:
            answer = stream.readline()
    return int(answer)


async def fetch_all(
    address: Address, requests: int, *, limit: int | None = None,
    recorder: Recorder | None = None, timeout: float = 30.0,
) -> list[int]:
    """Make ``requests`` concurrent requests, at most ``limit`` at once; answers in order.

    ``limit=None`` starts them all at once. With a ``recorder``, each request (after it got
    past the semaphore) is recorded as a span of its task.
    """
    requests = _check_count("requests", requests)
    if limit is not None:
        _check_count("limit", limit)
    _check_number("timeout", timeout, positive=True)
    semaphore = asyncio.Semaphore(limit or requests)

    async def one(request: int) -> int:
        async with semaphore:
            if recorder is None:
                return await fetch(address, request)
            with recorder.span(request, worker=task_name()):
                return await fetch(address, request)

    async with asyncio.timeout(timeout), asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(i), name=f"request {i}") for i in range(requests)]
    return [task.result() for task in tasks]


def fetch_all_sync(address: Address, requests: int, *, limit: int | None = None,
                   timeout: float = 30.0) -> list[int]:
    """The synchronous face of :func:`fetch_all`, for scripts: it runs its own event loop.

    Inside a running loop (a Jupyter cell, an ``async def``) ``asyncio.run`` cannot work, so
    this raises a ``RuntimeError`` that says what to write instead, before creating any
    coroutine (so none is left un-awaited).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop running: the normal case in a script
        return asyncio.run(fetch_all(address, requests, limit=limit, timeout=timeout))
    raise RuntimeError(
        "fetch_all_sync() cannot run inside a running event loop (a Jupyter cell or a "
        "coroutine); there, write `await fetch_all(...)` instead"
    )


def fetch_all_threads(address: Address, requests: int, workers: int,
                      *, timeout: float = 30.0) -> list[int]:
    """Make ``requests`` blocking requests on a pool of ``workers`` threads; answers in order."""
    requests = _check_count("requests", requests)
    workers = _check_count("workers", workers)
    _check_number("timeout", timeout, positive=True)
    with ThreadPoolExecutor(workers, thread_name_prefix="fetch") as pool:
        return list(pool.map(lambda i: fetch_blocking(address, i), range(requests),
                             timeout=timeout))


# ---- exercise checkers: they print feedback and return True only for a correct answer ----

def check_rounds_prediction(predict: Callable[[int, int, float], float]) -> bool:
    """Exercise 1: does ``predict(requests, limit, seconds)`` give the least wall time?"""
    if not callable(predict):
        raise TypeError("pass your function itself: check_rounds_prediction(predict_time)")
    cases = [(200, 50, 0.05), (200, 200, 0.05), (10, 6, 0.1), (40, 6, 0.1), (1, 10, 1.0),
             (7, 3, 0.5)]
    problems = []
    for requests, limit, seconds in cases:
        expected = rounds_time(requests, limit, seconds)
        try:
            got = predict(requests, limit, seconds)
        except Exception as error:  # the learner's code: report, do not crash the cell
            problems.append(f"predict({requests}, {limit}, {seconds}) raised {error!r}")
            continue
        if got is None:
            return feedback(["your function returns None: replace the `...`"], "")
        if not isinstance(got, (int, float)) or not math.isclose(got, expected, rel_tol=1e-9):
            problems.append(f"{requests} requests of {seconds} s, {limit} at once: expected "
                            f"{expected:.3g} s, got {got!r}. Hint: count full rounds.")
    return feedback(problems, "your prediction matches the rounds model in every case")


async def check_limited_map(
    limited_map: Callable[[Callable[[Any], Awaitable[Any]], Sequence[Any], int],
                          Coroutine[Any, Any, list[Any]]],
    *, timeout: float = 5.0,
) -> bool:
    """Exercise 2: ``await limited_map(func, items, limit)`` must return ``[await func(x) ...]``
    in order, run them concurrently, and never run more than ``limit`` at once."""
    if not callable(limited_map):
        raise TypeError("pass your coroutine function itself: check_limited_map(limited_map)")
    timeout = _check_number("timeout", timeout, positive=True)
    problems = []
    for items, limit in ((list(range(12)), 4), (list(range(5)), 10), (list(range(6)), 1)):
        running = peak = 0

        async def probe(x: int) -> int:
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            try:
                await asyncio.sleep(0.01 * (1 + x % 3))  # different lengths: order is tested
            finally:
                running -= 1
            return x * x

        try:
            async with asyncio.timeout(timeout):
                got = await limited_map(probe, items, limit)
        except TimeoutError:
            problems.append(f"{len(items)} items, limit {limit}: still running after "
                            f"{timeout:g} s")
            continue
        except Exception as error:  # the learner's code: report, do not crash the cell
            problems.append(f"{len(items)} items, limit {limit}: raised {error!r}")
            continue
        if got is None:
            return feedback(["your coroutine returns None: replace the `...`"], "")
        expected = [x * x for x in items]
        if list(got) != expected:
            problems.append(f"{len(items)} items: expected results {expected} in argument "
                            f"order, got {got!r}")
        if peak > limit:
            problems.append(f"limit {limit}: {peak} ran at once. Use an asyncio.Semaphore.")
        elif peak < min(limit, len(items)):
            problems.append(f"limit {limit}: only {peak} ran at once; start them all and let "
                            "the semaphore hold them back")
    return feedback(problems, "results come back in order and the limit is respected")
