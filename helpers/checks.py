"""Checks that turn a notebook's claims into tests, and a way to show a helper's source.

>>> expect(1 + 1 == 2, "one plus one is two")
✔ one plus one is two
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np


class ClaimFailed(AssertionError):
    """Raised by :func:`expect` when the claim it was given is false on this machine."""


def expect(condition: object, claim: str) -> None:
    """Print ``✔ claim`` when ``condition`` holds; raise :class:`ClaimFailed` when it does not.

    Write the claim as the sentence the notebook teaches, with the measured figures in it, so a
    failure says what was expected and what this machine did.

    >>> try:
    ...     expect(2 > 3, "two is more than three")
    ... except ClaimFailed as error:
    ...     print(error)
    claim did not hold: two is more than three
    """
    if not isinstance(claim, str) or not claim.strip():
        raise TypeError("claim must be a non-empty sentence (str) saying what is checked")
    if not isinstance(condition, (bool, np.bool_)):
        raise TypeError(
            f"condition must be True or False (a comparison), got {type(condition).__name__}; "
            "a bare object is almost always true, so the check could not fail"
        )
    if not condition:
        raise ClaimFailed(f"claim did not hold: {claim}")
    print(f"✔ {claim}")


def source_of(obj: Any) -> str:
    """Return the source code of a function, class or module.

    >>> source_of(source_of).splitlines()[0]
    'def source_of(obj: Any) -> str:'
    """
    obj = inspect.unwrap(obj) if callable(obj) else obj  # lru_cache, functools.wraps, ...
    if not (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismodule(obj)
            or inspect.ismethod(obj)):
        raise TypeError(
            f"expected a function, class, method or module, got {type(obj).__name__}"
        )
    return inspect.getsource(obj)


def show(*objects: Any) -> None:
    """Display the source of helpers, so the reader sees the code that a worker runs.

    In Jupyter it renders syntax-highlighted code; elsewhere it prints the text.
    Returns nothing, so nothing else is echoed by the cell.
    """
    if not objects:
        raise TypeError("show() needs at least one function, class or module")
    text = "\n\n".join(source_of(obj) for obj in objects)
    try:
        from IPython import get_ipython
        from IPython.display import Code, display
    except ImportError:  # plain Python: no IPython installed
        print(text)
        return
    if get_ipython() is None:
        print(text)
    else:
        display(Code(text, language="python"))
