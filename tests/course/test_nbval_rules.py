"""The notebook rules really fail: a cell that warns, unless tagged, and a stored output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.course import ci_legs
from helpers.course.collection import ROOT


def notebook(*cells: tuple[str, list[str]]) -> dict:
    return {
        "cells": [{"cell_type": "code", "metadata": {"tags": tags}, "source": source,
                   "outputs": [], "execution_count": None} for source, tags in cells],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }


def run_nbval(tmp_path: Path, content: dict, **env: str) -> subprocess.CompletedProcess:
    """Run nbval with the project's conftest.py on one notebook in a scratch folder."""
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "scratch.ipynb").write_text(json.dumps(content))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-current-env", "--nbval-cell-timeout=60", "scratch.ipynb"],
        cwd=tmp_path, capture_output=True, text=True, timeout=180,
        env={**{k: v for k, v in os.environ.items() if k != ci_legs.LEG_VARIABLE}, **env},
    )  # a scratch run is no CI leg: it records nothing in the CI table


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
