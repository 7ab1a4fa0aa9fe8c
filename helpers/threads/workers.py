"""What notebook 04's child process imports: the ``multiprocessing.Process`` target.

Under spawn and forkserver a child cannot load a function defined in a notebook.
"""

from __future__ import annotations

from typing import Any


def append_and_report(items: list, value: Any, results: Any) -> None:
    """Append ``value`` to ``items`` (the child's copy) and put ``(value, items)`` on a queue."""
    items.append(value)
    results.put((value, list(items)))
