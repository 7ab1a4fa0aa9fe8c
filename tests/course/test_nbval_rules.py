"""The notebook rules really fail: a cell that warns, unless tagged, and a stored output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.course import ci_legs
from helpers.course.collection import ROOT
from helpers.explorer import STATIC_SITE_VARIABLE


def notebook(*cells: tuple[str, list[str]]) -> dict:
    return {
        "cells": [{"cell_type": "code", "metadata": {"tags": tags}, "source": source,
                   "outputs": [], "execution_count": None} for source, tags in cells],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }


# A scratch run is no CI leg (it records nothing in the CI table) and writes a website copy only
# when a test asks, though CI's test leg sets COURSE_STATIC_SITE around these tests.
OWN_VARIABLES = {ci_legs.LEG_VARIABLE, STATIC_SITE_VARIABLE}


def run_nbval(tmp_path: Path, content: dict, **env: str) -> subprocess.CompletedProcess:
    """Run nbval with the project's conftest.py on one notebook in a scratch folder."""
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "scratch.ipynb").write_text(json.dumps(content))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-current-env", "--nbval-cell-timeout=60", "scratch.ipynb"],
        cwd=tmp_path, capture_output=True, text=True, timeout=180,
        env={**{k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}, **env},
    )


WARNING_CELL = "import warnings\nwarnings.warn('this API is going away', DeprecationWarning)"


@pytest.mark.timeout(200)
def test_a_cell_that_warns_fails_and_a_tagged_one_passes(tmp_path):
    warns = run_nbval(tmp_path, notebook(("x = 1", []), (WARNING_CELL, [])))
    assert warns.returncode == 1, warns.stdout
    assert "wrote to stderr" in warns.stdout and "this API is going away" in warns.stdout
    assert "1 failed, 1 passed" in warns.stdout

    tagged = run_nbval(tmp_path, notebook(("x = 1", []), (WARNING_CELL, ["expect-stderr"])))
    assert tagged.returncode == 0, tagged.stdout
    assert "2 passed" in tagged.stdout


@pytest.mark.timeout(200)
def test_a_notebook_that_leaves_a_child_process_fails(tmp_path):
    leaves = run_nbval(tmp_path, notebook((
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])", [])))
    assert leaves.returncode == 1, leaves.stdout
    assert "child process left running" in leaves.stdout


@pytest.mark.timeout(200)
def test_a_notebook_that_leaves_a_thread_or_overruns_fails(tmp_path):
    slow = run_nbval(tmp_path, notebook((
        "import threading, time\n"
        "stop = threading.Event()\n"
        "worker = threading.Thread(target=stop.wait, args=(60,), name='forgotten')\n"
        "worker.start()\n"
        "time.sleep(1.5)", [])), COURSE_BUDGET_SECONDS="1")
    assert slow.returncode == 1, slow.stdout
    assert "non-daemon thread left running: forgotten" in slow.stdout
    assert "over its budget" in slow.stdout


@pytest.mark.timeout(200)
def test_memory_of_the_kernel_and_its_children_together_is_budgeted(tmp_path):
    """A child holding 400 MiB breaks a 300 MiB budget though the kernel alone stays under."""
    hungry = run_nbval(tmp_path, notebook((
        "import subprocess, sys\n"
        "subprocess.run([sys.executable, '-c', "
        "'import time; block = b\"x\" * (400 << 20); time.sleep(2)'], check=True)", [])),
        COURSE_BUDGET_MIB="300")
    assert hungry.returncode == 1, hungry.stdout
    assert "kernel and children peaked at" in hungry.stdout
    assert "over its budget of 300 MiB" in hungry.stdout


@pytest.mark.timeout(200)
def test_with_the_static_site_variable_each_passing_notebook_becomes_the_websites_copy(tmp_path):
    """What CI's test leg gives ``make site``: the outputs nbval received, numbered in order."""
    cells = notebook(("x = 1", []), ("", []), ("print('hi')\nx + 1", []),
                     ("import ipywidgets\nipywidgets.IntSlider()", []))
    cells["metadata"]["widgets"] = {"state": "from a live session"}
    copy = tmp_path / "build" / "executed" / "scratch.ipynb"
    plain = run_nbval(tmp_path, cells)
    assert plain.returncode == 0, plain.stdout
    assert not copy.exists(), "without COURSE_STATIC_SITE the tests write no website copy"

    site = run_nbval(tmp_path, cells, **{STATIC_SITE_VARIABLE: "1"})
    assert site.returncode == 0, site.stdout
    written = nbformat.read(copy, as_version=4)
    nbformat.validate(written)
    assert "widgets" not in written.metadata
    assert [cell.execution_count for cell in written.cells] == [1, None, 2, 3]
    outputs = [cell.outputs for cell in written.cells]
    assert outputs[0] == outputs[1] == []
    assert [o.output_type for o in outputs[2]] == ["stream", "execute_result"]
    assert outputs[2][0].text == "hi\n" and outputs[2][1].data["text/plain"] == "2"
    assert outputs[2][1].execution_count == 2  # as its cell's
    assert "application/vnd.jupyter.widget-view+json" in outputs[3][0].data

    copy.unlink()
    failing = run_nbval(tmp_path, notebook(("x = 1", []), (WARNING_CELL, [])),
                        **{STATIC_SITE_VARIABLE: "1"})
    assert failing.returncode == 1 and not copy.exists(), "a failing notebook has no copy"
