"""One checker for every exercise: compare with a reference, choose labels, check behaviour.

Each function prints feedback through :func:`helpers.checks.feedback` and returns ``None``, so a
learner's stub cell shows only the feedback. The solution cells use :func:`passes`, which
returns True or False for ``expect``.

>>> compare_with_reference(lambda n: n * n, lambda n: n ** 2, [(2,), (3,)])
✔ right in all 2 cases
>>> choose_labels({"a sleep": "threads"}, {"a sleep": "threads"})
✔ every choice is right
"""

from __future__ import annotations

import contextlib
import io
import math
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from helpers.checks import feedback

#: A behaviour check returns None when one trial went right, else a sentence saying what didn't.
Trial = Callable[[], str | None]


def _close(got: Any, want: Any, rel_tol: float, abs_tol: float) -> bool:
    """Equal, or numerically close where both sides are numbers (or sequences of them)."""
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        return (isinstance(got, (int, float)) and not isinstance(got, bool)
                and math.isclose(got, want, rel_tol=rel_tol, abs_tol=abs_tol))
    if isinstance(want, (list, tuple)) and isinstance(got, (list, tuple)):
        return len(got) == len(want) and all(
            _close(g, w, rel_tol, abs_tol) for g, w in zip(got, want, strict=True))
    try:
        import numpy as np
        if isinstance(want, np.ndarray):
            return (isinstance(got, np.ndarray) and got.shape == want.shape
                    and bool(np.allclose(got, want, rtol=rel_tol, atol=abs_tol)))
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    return bool(got == want)


def _describe(error: BaseException) -> str:
    """``TimeoutError: …``, or the bare name when the exception carries no text."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _call(func: Callable[..., Any], case: tuple) -> tuple[Any, str | None]:
    try:
        return func(*case), None
    except Exception as error:  # the learner's code: report, never crash the cell
        return None, _describe(error)


def compare_with_reference(
    func: Callable[..., Any],
    reference: Callable[..., Any],
    cases: Iterable[tuple],
    *,
    rel_tol: float = 1e-6,
    abs_tol: float = 1e-9,
    success: str | None = None,
    _verdict: list[bool] | None = None,
) -> None:
    """Call ``func(*case)`` and ``reference(*case)`` for every case; say where they differ."""
    if not callable(func) or not callable(reference):
        raise TypeError("func and reference must be callable (pass the function, not a call)")
    cases = [tuple(case) for case in cases]
    if not cases:
        raise ValueError("cases must hold at least one tuple of arguments")
    problems, answers = [], []
    for case in cases:
        got, error = _call(func, case)
        if error is None:
            answers.append(got)
        want = reference(*case)
        args = ", ".join(map(repr, case))
        if error:
            problems.append(f"({args}) raised {error}")
        elif not _close(got, want, rel_tol, abs_tol):
            problems.append(f"({args}): expected {want!r}, got {got!r}")
    ok = feedback(problems, success or f"right in all {len(cases)} cases", answers)
    if _verdict is not None:
        _verdict.append(ok)


def choose_labels(
    answers: Mapping[str, str],
    expected: Mapping[str, str],
    *,
    why: Mapping[str, str] | None = None,
    _verdict: list[bool] | None = None,
) -> None:
    """Check one label per item; a wrong label is told why (``why[item]``) when given."""
    if not isinstance(answers, Mapping):
        raise TypeError(f"answers must be a dict of item -> label, got {type(answers).__name__}")
    labels = sorted(set(expected.values()))
    problems = []
    for item, right in expected.items():
        given = answers.get(item)
        if given is None:
            problems.append(f"no answer for {item!r}")
        elif given not in labels:
            problems.append(f"{item!r}: {given!r} is not one of {labels}")
        elif given != right:
            reason = f" ({why[item]})" if why and item in why else ""
            problems.append(f"{item!r}: not {given!r}{reason}")
    problems += [f"{item!r} is not one of the items" for item in answers if item not in expected]
    ok = feedback(problems, "every choice is right")
    if _verdict is not None:
        _verdict.append(ok)


def check_behaviour(
    trial: Trial,
    *,
    trials: int = 20,
    timeout: float = 10.0,
    success: str = "behaves right in every trial",
    _verdict: list[bool] | None = None,
) -> None:
    """Run ``trial()`` again and again, each in a thread with a deadline, under stress.

    A trial returns None when it went right, or a sentence saying what went wrong. A trial
    still running after ``timeout`` seconds is reported as a hang; the check never hangs.
    """
    if not callable(trial):
        raise TypeError("trial must be a function of no arguments returning None or a str")
    if not isinstance(trials, int) or isinstance(trials, bool) or trials < 1:
        raise ValueError(f"trials must be a whole number >= 1, got {trials!r}")
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
    problems = []
    for number in range(1, trials + 1):
        outcome: list[str | None] = []

        def run(outcome: list = outcome) -> None:
            try:
                outcome.append(trial())
            except Exception as error:  # the learner's code: report it
                outcome.append(f"raised {_describe(error)}")

        worker = threading.Thread(target=run, name="exercise-trial", daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            problems.append(f"trial {number} still running after {timeout:g} s: it hangs")
            break  # a hung trial holds its thread; do not start more
        if outcome and outcome[0] is not None:
            problems.append(f"trial {number}: {outcome[0]}")
    ok = feedback(problems, f"{success} ({trials} trials)")
    if _verdict is not None:
        _verdict.append(ok)


def check_prediction(
    predicted: float | None,
    measured: float,
    *,
    rel_tol: float,
    what: str = "your prediction",
    _verdict: list[bool] | None = None,
) -> None:
    """Predict, then measure: is the prediction within ``rel_tol`` of the measurement?"""
    problems = []
    if predicted is None or predicted is ...:
        problems.append(f"{what} is not filled in yet: replace the `...` with a number")
    elif not isinstance(predicted, (int, float)) or isinstance(predicted, bool):
        problems.append(f"{what} must be a number, got {type(predicted).__name__}")
    elif not math.isclose(predicted, measured, rel_tol=rel_tol):
        problems.append(f"{what} was {predicted:.3g}; this machine measured {measured:.3g} "
                        f"(within {rel_tol:.0%} counts)")
    ok = feedback(problems, f"{what} {predicted} is within {rel_tol:.0%} of the measured "
                            f"{measured:.3g}")
    if _verdict is not None:
        _verdict.append(ok)


def passes(check: Callable[..., None], *args: Any, **kwargs: Any) -> bool:
    """Run one of the checks above quietly and return whether it passed (for solution cells).

    >>> passes(compare_with_reference, abs, abs, [(-1,)])
    True
    """
    verdict: list[bool] = []
    with contextlib.redirect_stdout(io.StringIO()) as said:
        check(*args, _verdict=verdict, **kwargs)
    if not verdict[0]:
        print(said.getvalue(), end="")
    return verdict[0]


def labels_of(expected: Mapping[str, str]) -> Sequence[str]:
    """The labels a learner chooses among, sorted, to print beside the items."""
    return sorted(set(expected.values()))
