"""course_check: a clear error when something else answers to the name ``helpers``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers.course.collection import NOTEBOOKS, ROOT


def import_in(folder: Path, *, pythonpath: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [pythonpath, str(ROOT)]))}
    return subprocess.run([sys.executable, "-c", "import course_check"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=60)


def test_the_course_package_passes(tmp_path):
    assert import_in(tmp_path).returncode == 0


def test_a_learner_file_named_helpers_is_named_with_what_to_do(tmp_path):
    (tmp_path / "helpers.py").write_text("x = 1\n")
    done = import_in(tmp_path)
    assert done.returncode == 1
    assert f"Your file {tmp_path / 'helpers.py'} is named like" in done.stderr
    assert "Rename it (for example to my_helpers.py)" in done.stderr


def test_another_installed_helpers_package_is_named_with_what_to_do(tmp_path):
    other = tmp_path / "site" / "helpers"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text("")
    done = import_in(tmp_path, pythonpath=str(tmp_path / "site"))
    assert done.returncode == 1
    assert f"Another package named `helpers`, at {other}" in done.stderr
    assert "pip uninstall helpers" in done.stderr


def test_every_setup_cell_checks_first():
    import json

    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        first_helpers = next(i for i, source in enumerate(code) if "helpers" in source)
        lines = [line for line in code[first_helpers].splitlines() if "import" in line]
        assert lines[0].startswith("import course_check"), (path.name, lines[:2])
