"""Every notebook run top to bottom, then every code cell again in the same kernel.

Instructors scroll back and re-run cells: a cell that only works once (a function compiled in
an earlier run, a pool already closed, a cache already warm) fails here. ``make test-rerun``;
CI runs it under Python 3.14 pinned to one CPU (``tools/test_modern.sh``).

The first pass runs as the website does (explorers drawn as plain figures,
``COURSE_STATIC_SITE``) and is written to ``build/executed/``, so ``make site`` after it only
renders. The second pass runs with the live explorers, as in JupyterLab. A cell that writes to
stderr fails in either pass unless it is tagged ``expect-stderr``.
"""

from __future__ import annotations

import re
import time

import nbformat
import pytest
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from helpers import claims
from helpers.course import ci_legs
from helpers.course.collection import EXECUTED, NOTEBOOKS, write_site_copy
from helpers.explorer import STATIC_SITE_VARIABLE

pytestmark = pytest.mark.rerun
ALLOW_STDERR_TAG = "expect-stderr"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
NAMES = sorted(path.name for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def stderr_of(cell) -> str:
    return "".join(output.get("text", "") for output in cell.get("outputs", [])
                   if output.get("output_type") == "stream" and output.get("name") == "stderr")


def shows_widget(cell) -> bool:
    return any(WIDGET_MIME in output.get("data", {}) for output in cell.get("outputs", []))


@pytest.fixture(scope="module")
def ran():
    """The notebooks this module ran, recorded for the CI table when the module ends."""
    started, names = time.monotonic(), []
    yield names
    ci_legs.record("rerun", notebooks=len(names), seconds=time.monotonic() - started, passes=2)


@pytest.mark.parametrize("name", NAMES)
def test_every_cell_runs_again_in_the_same_kernel(name, ran, monkeypatch):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    monkeypatch.setenv(STATIC_SITE_VARIABLE, "1")  # inherited by the kernel: the first pass
    monkeypatch.setenv(claims.NOTEBOOK_VARIABLE, name)  # for the claims ledger
    problems = []
    with client.setup_kernel():
        for run in ("first", "second"):
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code":
                    continue
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as error:
                    problems.append(f"{run} run, cell {index}: {ANSI.sub('', str(error))[-600:]}")
                    break
                tags = cell.get("metadata", {}).get("tags", [])
                if stderr_of(cell) and ALLOW_STDERR_TAG not in tags:
                    problems.append(f"{run} run, cell {index} wrote to stderr: "
                                    f"{ANSI.sub('', stderr_of(cell))[-400:]}")
                if run == "second" and "explore(" in cell.source and not shows_widget(cell):
                    problems.append(f"second run, cell {index}: the explorer was not live")
            if problems:
                break
            if run == "first":
                write_site_copy(notebook, EXECUTED / name)
                live = f"import os; os.environ.pop({STATIC_SITE_VARIABLE!r}, None)"
                run_sync(client.kc.execute_interactive)(live, silent=True, timeout=30)
    ran.append(name)
    assert problems == []
