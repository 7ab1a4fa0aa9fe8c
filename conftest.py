"""Notebook validation rules on top of nbval.

A cell that writes to stderr (a warning, a traceback from a worker) fails, unless the cell is
tagged ``expect-stderr`` because showing that output is its point.
"""

from __future__ import annotations

import pytest

ALLOW_STDERR_TAG = "expect-stderr"


def _stderr_text(item: pytest.Item) -> str:
    outputs = getattr(item, "test_outputs", None) or []
    return "".join(out.get("text", "") for out in outputs
                   if out.get("output_type") == "stream" and out.get("name") == "stderr")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.passed or not hasattr(item, "cell"):
        return
    tags = item.cell.get("metadata", {}).get("tags", [])
    stderr = _stderr_text(item)
    if stderr and ALLOW_STDERR_TAG not in tags:
        report.outcome = "failed"
        report.longrepr = (
            f"cell {item.name} wrote to stderr (tag the cell '{ALLOW_STDERR_TAG}' if that "
            f"output is what it demonstrates):\n{stderr}"
        )
