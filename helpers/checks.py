"""Checks that turn a notebook's claims into tests, and a way to show a helper's source.

>>> expect(1 + 1 == 2, "one plus one is two")
✔ one plus one is two
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

MAX_PROBLEMS_SHOWN = 6


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


def feedback(problems: list[str], success: str, answers: list[Any] | None = None) -> bool:
    """What an exercise checker tells the learner: each problem once, or ``✔ success``.

    Returns True only when there is no problem. ``answers`` are the learner's function's return
    values: when every one is None, the stub has not been filled in yet, and it says so.

    >>> feedback(["3 waits: expected 0.6 s, got 0.2"], "right in every case")
    Not yet:
      - 3 waits: expected 0.6 s, got 0.2
    False
    >>> feedback([], "right in every case")
    ✔ right in every case
    True
    """
    if not isinstance(problems, list) or not all(isinstance(p, str) for p in problems):
        raise TypeError("problems must be a list of str")
    if answers and all(answer is None for answer in answers):
        print("Not yet: your function returns None. Replace the `...` with your code.")
        return False
    if problems:
        unique = list(dict.fromkeys(problems))
        shown = [f"  - {problem}" for problem in unique[:MAX_PROBLEMS_SHOWN]]
        if len(unique) > MAX_PROBLEMS_SHOWN:
            shown.append(f"  ... and {len(unique) - MAX_PROBLEMS_SHOWN} more")
        print("Not yet:\n" + "\n".join(shown))
        return False
    print(f"✔ {success}")
    return True


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
    display_code("\n\n".join(source_of(obj) for obj in objects))


def display_code(text: str, title: str = "") -> None:
    """Show Python source highlighted in Jupyter, as plain text elsewhere."""
    text = title + text
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
