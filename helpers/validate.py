"""The one place public entry points check their arguments, so worker bodies stay lean.

Each check returns the value, so an entry point reads ``n = whole_number("n", n, minimum=1)``,
and raises ``TypeError``/``ValueError`` with a sentence that says what was expected.

>>> whole_number("workers", 4, minimum=1)
4
>>> seconds("delay", 0.5)
0.5
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypeVar

T = TypeVar("T")


def whole_number(name: str, value: Any, *, minimum: int | None = None,
                 maximum: int | None = None) -> int:
    """An ``int`` (not a bool) within ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number (int), got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def number(name: str, value: Any, *, minimum: float | None = None,
           positive: bool = False) -> float:
    """An ``int`` or ``float`` (not a bool); ``positive`` requires > 0, ``minimum`` >= it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if value != value:
        raise ValueError(f"{name} must be a number, got NaN")
    if positive and not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def seconds(name: str, value: Any) -> float:
    """A duration in seconds: a number >= 0."""
    return number(name, value, minimum=0)


def one_of(name: str, value: T, choices: Collection[T]) -> T:
    """One of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(map(str, choices))}, got {value!r}")
    return value


def function(name: str, value: Any) -> Callable[..., Any]:
    """Something callable: the function itself, not the result of calling it."""
    if not callable(value):
        raise TypeError(f"{name} must be a function (pass it without calling it), "
                        f"got {type(value).__name__}")
    return value
