"""Make sure ``helpers`` is this course's package before a notebook imports from it.

A learner's own ``notebooks/helpers.py``, or PyPI's unrelated ``helpers`` package, wins the
import otherwise, and every setup cell then fails with a puzzling ``'helpers' is not a package``
or ``No module named 'helpers.machine'``. Each setup cell imports this module first; it raises
an ``ImportError`` that says exactly what to rename or uninstall.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

#: Where the course's package lives: beside this module, in the repository or site-packages.
COURSE_HELPERS = Path(__file__).resolve().parent / "helpers"


def helpers_problem() -> str | None:
    """None when ``import helpers`` gives the course's package, else what to do about it."""
    spec = importlib.util.find_spec("helpers")
    if spec is None:
        return ("The course's helpers package is not installed: run `pip install -e .` in the "
                "repository's root folder, then restart the kernel.")
    origin = Path(spec.origin).resolve() if spec.origin else None
    locations = [Path(p).resolve() for p in spec.submodule_search_locations or []]
    if COURSE_HELPERS in locations or (origin and origin.parent == COURSE_HELPERS):
        return None
    if origin is not None and origin.name != "__init__.py":
        return (f"Your file {origin} is named like the course's `helpers` package and hides it. "
                f"Rename it (for example to my_{origin.name}), then restart the kernel.")
    where = origin.parent if origin is not None else (locations[0] if locations else "?")
    return (f"Another package named `helpers`, at {where}, hides the course's (which is at "
            f"{COURSE_HELPERS}). It is not this course's: remove it with `pip uninstall helpers` "
            "(or rename that folder), then restart the kernel.")


_problem = helpers_problem()
if _problem is not None:
    raise ImportError(_problem)
