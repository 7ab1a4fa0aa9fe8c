"""Every notebook run top to bottom, then every code cell again in the same kernel.

Instructors scroll back and re-run cells: a cell that only works once (a function compiled in
an earlier run, a pool already closed, a cache already warm) fails here. ``make test-rerun``.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from helpers.collection import NOTEBOOKS

pytestmark = pytest.mark.rerun
ALLOW_STDERR_TAG = "expect-stderr"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
NAMES = sorted(path.name for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def stderr_of(cell) -> str:
    return "".join(output.get("text", "") for output in cell.get("outputs", [])
                   if output.get("output_type") == "stream" and output.get("name") == "stderr")


@pytest.mark.parametrize("name", NAMES)
def test_every_cell_runs_again_in_the_same_kernel(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
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
                if run == "second" and stderr_of(cell) and ALLOW_STDERR_TAG not in tags:
                    problems.append(f"second run, cell {index} wrote to stderr: "
                                    f"{ANSI.sub('', stderr_of(cell))[-400:]}")
            if problems:
                break
    assert problems == []
