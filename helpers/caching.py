"""Caches, measured: memoisation, LRU replay, caching on arrays, threads and processes.

Backs notebook 07 (``functools.lru_cache``). Everything a process pool runs lives here, so it
can be imported by workers under ``fork``, ``spawn`` and ``forkserver``.

>>> fib_calls(10, cached=False)
(55, 177)
>>> fib_calls(10, cached=True)
(55, 11)
>>> replay([1, 2, 1, 3, 1], maxsize=2)
(2, 3)
"""

from __future__ import annotations

import functools
import os
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers.checks import feedback

# ---------------------------------------------------------------- memoisation from scratch


def memoize(func: Callable[..., Any]) -> Callable[..., Any]:
    """Cache ``func``'s results in a plain dict keyed by its positional arguments.

    The wrapper exposes ``cache`` (the dict), ``hits`` and ``misses``. It never forgets,
    it is not thread-safe, and it accepts positional arguments only: this is the idea,
    ``functools.lru_cache`` is the tool.

    >>> @memoize
    ... def double(x):
    ...     return 2 * x
    >>> double(4), double(4), (double.hits, double.misses), double.cache
    (8, 8, (1, 1), {(4,): 8})
    """
    if not callable(func):
        raise TypeError(f"memoize needs a function, got {type(func).__name__}")

    @functools.wraps(func)
    def wrapper(*args: Hashable) -> Any:
        if args in wrapper.cache:
            wrapper.hits += 1
            return wrapper.cache[args]
        wrapper.misses += 1
        result = wrapper.cache[args] = func(*args)
        return result

    wrapper.cache, wrapper.hits, wrapper.misses = {}, 0, 0
    return wrapper


# ---------------------------------------------------------------- Fibonacci


def _check_n(n: Any, name: str = "n", lowest: int = 0) -> int:
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"{name} must be an int, got {type(n).__name__}")
    if n < lowest:
        raise ValueError(f"{name} must be >= {lowest}, got {n}")
    return n


def fib(n: int) -> int:
    """Naive recursive Fibonacci: ``fib(n - 1) + fib(n - 2)``, exponential in ``n``.

    >>> [fib(i) for i in range(10)]
    [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]
    """
    _check_n(n)
    return _fib(n)


def _fib(n: int) -> int:
    return n if n < 2 else _fib(n - 1) + _fib(n - 2)


def fresh_cached_fib() -> Callable[[int], int]:
    """Return a new ``lru_cache``-d recursive Fibonacci with an empty cache.

    Each call builds its own cache, so a timing or a count starts cold.

    >>> f = fresh_cached_fib()
    >>> f(30), f.cache_info().misses
    (832040, 31)
    """

    @functools.cache
    def cached(n: int) -> int:
        return n if n < 2 else cached(n - 1) + cached(n - 2)

    return cached


def fib_calls(n: int, *, cached: bool) -> tuple[int, int]:
    """Return ``(fib(n), how many times the function body ran)``, with or without a cache.

    Without a cache the body runs ``2 * fib(n + 1) - 1`` times; with a cold cache ``n + 1``
    times for ``n >= 2`` (``fib(n - 1)`` fills the cache, so ``fib(n - 2)`` is a hit).

    >>> fib_calls(20, cached=False)
    (6765, 21891)
    >>> fib_calls(20, cached=True)
    (6765, 21)
    """
    _check_n(n)
    if not isinstance(cached, bool):
        raise TypeError(f"cached must be True or False, got {cached!r}")
    calls = 0

    def body(k: int) -> int:
        nonlocal calls
        calls += 1
        return k if k < 2 else step(k - 1) + step(k - 2)

    step = functools.lru_cache(maxsize=None)(body) if cached else body
    return step(n), calls


# ---------------------------------------------------------------- least recently used


def replay(pattern: Iterable[Hashable], maxsize: int | None) -> tuple[int, int]:
    """Replay an access pattern through a fresh ``lru_cache(maxsize)``; return (hits, misses).

    >>> replay("abcabc", maxsize=3), replay("abcabc", maxsize=2)
    ((3, 3), (0, 6))
    """
    if maxsize is not None:
        _check_n(maxsize, "maxsize")
    cached = functools.lru_cache(maxsize=maxsize)(lambda key: key)
    for key in pattern:
        cached(key)
    info = cached.cache_info()
    return info.hits, info.misses


def lru_model(pattern: Iterable[Hashable], maxsize: int) -> tuple[int, int]:
    """What least-recently-used means, written out with an ``OrderedDict``: (hits, misses).

    A hit moves the key to the "recent" end; a miss adds it there and, when the cache is
    over ``maxsize``, evicts the key at the "old" end.

    >>> lru_model([1, 2, 1, 3, 2], maxsize=2)  # 3 evicts 2 (older than 1), so 2 misses again
    (1, 4)
    """
    _check_n(maxsize, "maxsize")
    order: OrderedDict[Hashable, None] = OrderedDict()
    hits = misses = 0
    for key in pattern:
        if key in order:
            hits += 1
            order.move_to_end(key)
            continue
        misses += 1
        order[key] = None
        if len(order) > maxsize:
            order.popitem(last=False)
    return hits, misses


def access_pattern(length: int, keys: int, *, skew: float = 1.0, seed: int = 0) -> list[int]:
    """Draw ``length`` accesses over ``keys`` keys; key ``k`` has weight ``1 / (k + 1) ** skew``.

    ``skew=0`` is uniform (every key equally likely); larger skews make a few keys "hot",
    as real traffic usually is (a Zipf-like law).

    >>> access_pattern(8, 3, seed=1) == access_pattern(8, 3, seed=1)
    True
    >>> set(access_pattern(200, 3)) <= {0, 1, 2}
    True
    """
    _check_n(length, "length")
    _check_n(keys, "keys", lowest=1)
    if isinstance(skew, bool) or not isinstance(skew, (int, float)) or skew < 0:
        raise ValueError(f"skew must be a number >= 0, got {skew!r}")
    weights = [1 / (k + 1) ** skew for k in range(keys)]
    return random.Random(seed).choices(range(keys), weights=weights, k=length)


# ---------------------------------------------------------------- caching on arrays


class ArrayKey:
    """A hashable stand-in for a NumPy array, equal to another when the *contents* are equal.

    It keeps a private read-only copy, so no later in-place change of the caller's array can
    make a cached result stale. The cost: one copy and one hash of all the bytes per call.

    >>> a = np.arange(4)
    >>> ArrayKey(a) == ArrayKey(a.copy()), ArrayKey(a) == ArrayKey(a.reshape(2, 2))
    (True, False)
    >>> ArrayKey(a).array.flags.writeable
    False
    """

    __slots__ = ("_bytes", "_hash", "_id", "array")

    def __init__(self, array: np.ndarray) -> None:
        if not isinstance(array, np.ndarray):
            raise TypeError(f"ArrayKey needs a numpy.ndarray, got {type(array).__name__}")
        if array.dtype.hasobject:
            raise ValueError("ArrayKey cannot key an object array: its bytes are pointers")
        self._bytes = array.tobytes()  # one copy, in C order; bytes cache their own hash
        # A view of those immutable bytes: read-only, so the cached function cannot change it.
        self.array = np.frombuffer(self._bytes, dtype=array.dtype).reshape(array.shape)
        self._id = (array.dtype.str, array.shape)
        self._hash = hash((self._id, self._bytes))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ArrayKey):
            return NotImplemented
        return self._id == other._id and self._bytes == other._bytes

    def __repr__(self) -> str:
        return f"ArrayKey(shape={self.array.shape}, dtype={self.array.dtype})"


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def cache_on_arrays(maxsize: int | None = 128) -> Decorator:
    """Like ``lru_cache(maxsize)``, but NumPy array arguments are keyed on their contents.

    Each array argument is replaced by an :class:`ArrayKey`; the function receives the key's
    read-only copy. ``cache_info`` and ``cache_clear`` are passed through.

    >>> @cache_on_arrays(maxsize=8)
    ... def total(a, scale):
    ...     return float(a.sum()) * scale
    >>> x = np.ones(3)
    >>> total(x, 2), total(x, 2)
    (6.0, 6.0)
    >>> x[0] = 10  # in place: the key changes with the contents
    >>> total(x, 2), total.cache_info().hits
    (24.0, 1)
    """
    if maxsize is not None:
        _check_n(maxsize, "maxsize")

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(func):
            raise TypeError(f"cache_on_arrays needs a function, got {type(func).__name__}")

        @functools.lru_cache(maxsize=maxsize)
        def on_keys(*args: Any, **kwargs: Any) -> Any:
            return func(*_unwrap(args), **{k: _unwrap((v,))[0] for k, v in kwargs.items()})

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return on_keys(*_wrap(args), **{k: _wrap((v,))[0] for k, v in kwargs.items()})

        wrapper.cache_info = on_keys.cache_info
        wrapper.cache_clear = on_keys.cache_clear
        return wrapper

    return decorate


def _wrap(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(ArrayKey(v) if isinstance(v, np.ndarray) else v for v in values)


def _unwrap(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(v.array if isinstance(v, ArrayKey) else v for v in values)


class VersionedValues:
    """The article's "advanced" trick: a holder whose version number changes on ``set_val``.

    A cached function takes the version as its argument and reads the array from the holder.
    Changing the array *in place* does not change the version: the cache returns stale results.

    >>> holder = VersionedValues()
    >>> holder.set_val(np.arange(3))
    >>> holder.idx
    1
    """

    def __init__(self) -> None:
        self.idx = 0
        self.const: np.ndarray | None = None

    def set_val(self, const: np.ndarray) -> None:
        """Store a new array and bump the version."""
        if not isinstance(const, np.ndarray):
            raise TypeError(f"const must be a numpy.ndarray, got {type(const).__name__}")
        self.idx += 1
        self.const = const


# ---------------------------------------------------------------- what a cache holds


def cached_nbytes(results: Iterable[Any]) -> int:
    """Total ``nbytes`` of the NumPy arrays among ``results`` (what a cache of them holds).

    >>> cached_nbytes([np.zeros(10), "text", np.zeros((2, 5), dtype=np.int8)])
    90
    """
    return sum(r.nbytes for r in results if isinstance(r, np.ndarray))


# ---------------------------------------------------------------- threads


class CountedCalls:
    """Wrap ``func`` and count, thread-safely, how many times it really runs.

    >>> square = CountedCalls(lambda x: x * x)
    >>> square(3), square(3), square.count
    (9, 9, 2)
    """

    def __init__(self, func: Callable[..., Any]) -> None:
        if not callable(func):
            raise TypeError(f"CountedCalls needs a function, got {type(func).__name__}")
        self.func = func
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.count += 1
        return self.func(*args, **kwargs)


def slow_square(x: int, delay: float = 0.05) -> int:
    """Square ``x`` after sleeping ``delay`` seconds: a stand-in for an expensive call.

    >>> slow_square(7, delay=0)
    49
    """
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
        raise ValueError(f"delay must be a number of seconds >= 0, got {delay!r}")
    time.sleep(delay)
    return x * x


def single_flight(maxsize: int | None = 128, stripes: int = 64) -> Decorator:
    """Like ``lru_cache``, but concurrent callers with the same arguments compute only once.

    A caller takes one of ``stripes`` locks, chosen by the arguments' hash, before it looks
    in the cache: a second thread asking for the same missing value waits for the first and
    then finds it cached. Different arguments usually take different locks and run at once.
    Memory stays bounded (a fixed number of locks).

    >>> @single_flight(maxsize=None)
    ... def square(x):
    ...     return x * x
    >>> square(4), square(4), square.cache_info().misses
    (16, 16, 1)
    """
    if maxsize is not None:
        _check_n(maxsize, "maxsize")
    _check_n(stripes, "stripes", lowest=1)

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(func):
            raise TypeError(f"single_flight needs a function, got {type(func).__name__}")
        cached = functools.lru_cache(maxsize=maxsize)(func)
        locks = [threading.Lock() for _ in range(stripes)]

        @functools.wraps(func)
        def wrapper(*args: Hashable) -> Any:
            with locks[hash(args) % stripes]:
                return cached(*args)

        wrapper.cache_info = cached.cache_info
        wrapper.cache_clear = cached.cache_clear
        return wrapper

    return decorate


# ---------------------------------------------------------------- processes

#: How long a pool worker's cached function takes on a miss (seconds).
WORKER_DELAY = 0.02


@functools.cache
def costly_lookup(key: int) -> int:
    """The function a pool's workers call: slow on a miss, instant on a hit, cached per process.

    >>> costly_lookup(3) == 3 ** 3
    True
    """
    time.sleep(WORKER_DELAY)
    return key**3


@dataclass(frozen=True)
class WorkerCall:
    """What one call in a pool worker did: which process, which key, and was it a hit."""

    pid: int
    key: int
    result: int
    hit: bool


def lookup_in_worker(key: int) -> WorkerCall:
    """Call :func:`costly_lookup` in this process and report whether its cache had the key.

    Runs in pool workers; returns a record instead of printing.

    >>> call = lookup_in_worker(2)
    >>> (call.pid == os.getpid(), call.result)
    (True, 8)
    """
    _check_n(key, "key")
    before = costly_lookup.cache_info().misses
    result = costly_lookup(key)
    hit = costly_lookup.cache_info().misses == before
    return WorkerCall(os.getpid(), key, result, hit)


def per_worker(calls: Sequence[WorkerCall]) -> dict[int, dict[str, int]]:
    """Count hits, misses and distinct keys per worker process id.

    >>> per_worker([WorkerCall(1, 5, 125, False), WorkerCall(1, 5, 125, True)])
    {1: {'hits': 1, 'misses': 1, 'keys': 1}}
    """
    if not all(isinstance(call, WorkerCall) for call in calls):
        raise TypeError("calls must be WorkerCall records (from lookup_in_worker)")
    table: dict[int, dict[str, Any]] = {}
    for call in calls:
        row = table.setdefault(call.pid, {"hits": 0, "misses": 0, "keys": set()})
        row["hits" if call.hit else "misses"] += 1
        row["keys"].add(call.key)
    return {pid: {**row, "keys": len(row["keys"])} for pid, row in table.items()}


def run_lookups(keys: Sequence[int], workers: int, *, timeout: float = 60.0) -> list[WorkerCall]:
    """Run :func:`lookup_in_worker` over ``keys`` on a fresh process pool, one key per task.

    >>> calls = run_lookups([1, 1], workers=1)
    >>> [call.result for call in calls]
    [1, 1]
    """
    from helpers.machine import mp_context

    _check_n(workers, "workers", lowest=1)
    keys = list(keys)
    if not keys:
        raise ValueError("keys must not be empty")
    with mp_context().Pool(workers) as pool:
        return pool.map_async(lookup_in_worker, keys, chunksize=1).get(timeout=timeout)


# ---------------------------------------------------------------- exercise checkers


def check_lru_prediction(predict: Callable[[Sequence[Hashable], int], tuple[int, int]]) -> bool:
    """Exercise 1: does ``predict(pattern, maxsize)`` give lru_cache's (hits, misses)?"""
    if not callable(predict):
        raise TypeError("pass your function itself: check_lru_prediction(my_lru)")
    cases = [("abcabc", 3), ("abcabc", 2), ("aaaa", 1), ("abab", 1), ("abcba", 2),
             ("abcdabcd", 0), (access_pattern(300, 20, skew=1.2, seed=3), 5)]
    problems: list[str] = []
    for pattern, maxsize in cases:
        expected = replay(pattern, maxsize)
        shown = pattern if isinstance(pattern, str) else f"<{len(pattern)} accesses>"
        try:
            got = predict(pattern, maxsize)
        except Exception as error:  # the learner's code: report, do not crash the cell
            problems.append(f"predict({shown!r}, {maxsize}) raised {error!r}")
            continue
        if got is None:
            problems.append("your function returns None. Replace the `...` with your code.")
            break
        if not isinstance(got, (tuple, list)) or tuple(got) != expected:
            problems.append(f"pattern {shown!r} with maxsize={maxsize}: lru_cache gives "
                            f"(hits, misses) = {expected}, you gave {got!r}. Hint: a hit "
                            "makes its key the most recent; a miss evicts the least recent.")
    return feedback(problems, "your model matches lru_cache on every pattern")


class _CountingList(list):
    """A list that counts how many times it is iterated (how often a result is computed)."""

    iterations = 0

    def __iter__(self):
        type(self).iterations += 1
        return super().__iter__()


def check_instance_cache(cls: type) -> bool:
    """Exercise 2: ``cls(data).mean`` is computed once per instance and the instance can die."""
    import gc
    import weakref

    if not isinstance(cls, type):
        raise TypeError("pass your class itself: check_instance_cache(Stats)")
    problems: list[str] = []
    _CountingList.iterations = 0
    try:
        first, second = cls(_CountingList([1.0, 2.0, 3.0])), cls(_CountingList([10.0, 30.0]))
        values = [_value(first.mean), _value(first.mean), _value(second.mean)]
    except Exception as error:  # the learner's code: report, do not crash the cell
        return feedback([f"building Stats or reading .mean raised {error!r}"], "")
    if values != [2.0, 2.0, 20.0]:
        problems.append(f"means should be [2.0, 2.0, 20.0] (first, first again, second), "
                        f"got {values}")
    if _CountingList.iterations != 2:
        problems.append(f"the data was scanned {_CountingList.iterations} times for three reads "
                        "of .mean on two instances; a per-instance cache scans it twice")
    ref = weakref.ref(first)
    del first
    gc.collect()
    if ref() is not None:
        problems.append("an instance stayed alive after `del` and gc.collect(): something "
                        "(a class-level lru_cache?) still holds a reference to it")
    return feedback(problems, "computed once per instance, and instances are freed")


def _value(attribute: Any) -> Any:
    return attribute() if callable(attribute) else attribute


def check_array_key(key_for: Callable[[np.ndarray], Hashable]) -> bool:
    """Exercise 3: ``key_for(array)`` is hashable, equal exactly when the contents are equal."""
    if not callable(key_for):
        raise TypeError("pass your function itself: check_array_key(key_for)")
    a = np.arange(6, dtype=np.int64)
    cases = [
        ("an equal copy", a, a.copy(), True),
        ("a reshaped view (2, 3) of the same bytes", a, a.reshape(2, 3), False),
        ("the same bytes read as float64", a, a.view(np.float64), False),
        ("int8 zeros(4) and int16 zeros(2) (same 4 bytes)", np.zeros(4, np.int8),
         np.zeros(2, np.int16), False),
        ("a different value", a, a + np.eye(1, 6, dtype=np.int64)[0], False),
    ]
    problems: list[str] = []
    for label, x, y, same in cases:
        try:
            kx, ky = key_for(x), key_for(y)
            hash(kx)
            hash(ky)
        except Exception as error:  # the learner's code: report, do not crash the cell
            problems.append(f"{label}: key_for raised {error!r} (a key must be hashable)")
            continue
        if kx is None:
            return feedback(["key_for returns None. Replace the `...` with your code."], "")
        if (kx == ky) != same:
            problems.append(f"{label}: keys should be {'equal' if same else 'different'}")
    b = np.arange(3)
    try:
        before = key_for(b)
        b[0] = 99
        if key_for(b) == before:
            problems.append("after an in-place change the key is unchanged: stale results")
    except Exception as error:  # the learner's code: report, do not crash the cell
        problems.append(f"key_for raised {error!r}")
    return feedback(problems, "your key follows the contents, the shape and the dtype")
