"""The scaffold: a new chapter, written in a scratch copy, passes every rule and runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.course.collection import ROOT
from helpers.course.scaffold import new_chapter

SKIP = shutil.ignore_patterns(".git", ".venv*", "build", "__pycache__", "*.egg-info",
                              "node_modules", ".ruff_cache", "_build")
RULES = [f"tests/course/test_{name}.py" for name in (
    "collection", "learner_surface", "claims_lint", "course_check", "dependencies", "doctests")]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("course") / "course"
    shutil.copytree(ROOT, copy, ignore=SKIP)
    return copy


def run(scratch: Path, *command: str, timeout: float = 600) -> subprocess.CompletedProcess:
    # The scratch copy's helpers, not the installed ones; and no CI session records from here.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_CI")}
    env["PYTHONPATH"] = str(scratch)
    return subprocess.run([sys.executable, *command], cwd=scratch, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_a_new_chapter_passes_every_rule_and_runs(scratch):
    made = run(scratch, "-m", "helpers.course.collection", "--new", "16", "gpu_offload",
               "Offloading to the GPU")
    assert made.returncode == 0, made.stderr
    for path in ("notebooks/16_gpu_offload.ipynb", "helpers/gpu_offload/__init__.py",
                 "helpers/gpu_offload/workers.py", "tests/chapters/test_gpu_offload.py"):
        assert f"wrote {path}" in made.stdout
    assert (scratch / "helpers/gpu_offload/__init__.py").read_text() == ""
    assert "16_gpu_offload.ipynb" in (scratch / "README.md").read_text()
    assert "16_gpu_offload.ipynb" in (scratch / "notebooks/15_choosing.ipynb").read_text()
    checked = run(scratch, "-m", "pytest", "-q", *RULES, "tests/chapters/test_gpu_offload.py",
                  "notebooks/16_gpu_offload.ipynb")
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert "16_gpu_offload" in checked.stdout or " passed" in checked.stdout
    linted = subprocess.run([Path(sys.executable).parent / "ruff", "check", "helpers/gpu_offload",
                             "tests/chapters", "notebooks/16_gpu_offload.ipynb"], cwd=scratch,
                            capture_output=True, text=True, timeout=60)
    assert linted.returncode == 0, linted.stdout


@pytest.mark.parametrize("number, slug, title, words", [
    ("15", "again", "Again", "chapter 15 exists"),
    ("7", "late", "Late", "two digits"),
    ("17", "Bad Slug", "Bad", "lower case words"),
    ("17", "numpy", "Arrays", "shadow the installed module 'numpy'"),
    ("17", "timing", "Timing", "exist already"),
    ("17", "fine", "  ", "title must not be empty"),
])
def test_bad_requests_are_refused_and_write_nothing(tmp_path, number, slug, title, words):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "15_choosing.ipynb").write_text("{}")
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "timing.py").write_text("")
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(ValueError, match=words):
        new_chapter(tmp_path, number, slug, title)
    assert sorted(tmp_path.rglob("*")) == before
