"""What a child process imports stays lean, in every chapter folder of ``helpers/``.

Under spawn and forkserver a worker imports ``helpers/__init__.py``, its chapter's
``__init__.py`` and ``workers.py`` before it runs a task: whatever those load, every worker pays
for at start-up. So a ``workers.py`` loads no matplotlib and no ipywidgets (numba only in the
numba chapter's folder), and a chapter's ``__init__.py`` is empty. ``helpers/tasks.py``, the
toolbox's tasks that the pools of 02, 14 and 15 run, is held to the same rule.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.course.collection import HELPERS, module_name

WORKERS = [*sorted(HELPERS.glob("*/workers.py")), HELPERS / "tasks.py"]
#: Chapter folders: every folder of helpers/ but the maintainers' tools.
CHAPTERS = sorted(p for p in HELPERS.iterdir()
                  if p.is_dir() and (p / "__init__.py").exists() and p.name != "course")
MIN_WORKERS = 12  # workers.py files and tasks.py today: fewer means the test stopped looking
MIN_CHAPTERS = 16  # one folder per chapter, 00-15
NUMBA_FOLDER = "numba_kernels"


def loaded_in_a_fresh_interpreter(module: str, candidates: tuple[str, ...]) -> list[str]:
    """Which of ``candidates`` are in ``sys.modules`` after a fresh Python imports ``module``."""
    code = (f"import json, sys, {module}; "
            f"print(json.dumps([name for name in {candidates!r} if name in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout)


def test_the_workers_modules_and_chapter_folders_are_found():
    assert len(WORKERS) >= MIN_WORKERS and len(CHAPTERS) >= MIN_CHAPTERS


@pytest.mark.parametrize("path", WORKERS, ids=module_name)
def test_a_workers_module_loads_no_plotting_nor_widgets(path: Path):
    heavy = ("matplotlib", "ipywidgets") + (() if path.parent.name == NUMBA_FOLDER else ("numba",))
    loaded = loaded_in_a_fresh_interpreter(f"helpers.{module_name(path)}", heavy)
    assert loaded == [], f"a child that imports {path.relative_to(HELPERS)} also loads {loaded}"


def test_the_check_sees_a_heavy_import():
    # helpers.plots loads matplotlib: the same probe must say so, or it checks nothing
    assert loaded_in_a_fresh_interpreter("helpers.plots", ("matplotlib",)) == ["matplotlib"]


@pytest.mark.parametrize("folder", CHAPTERS, ids=lambda p: p.name)
def test_a_chapter_init_is_empty(folder: Path):
    size = (folder / "__init__.py").stat().st_size
    assert size == 0, f"helpers/{folder.name}/__init__.py has {size} bytes: every worker pays them"


def chapter_imports(source: str) -> list[str]:
    """The modules of chapter folders that ``source`` imports from."""
    names = {folder.name for folder in CHAPTERS}
    found = []
    for node in ast.walk(ast.parse(source)):
        modules = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                   else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found += [m for m in modules if m.split(".")[:2][-1] in names and m.startswith("helpers.")]
    return found


def test_the_toolbox_imports_no_chapter():
    # The toolbox serves every chapter: a toolbox module that imports a chapter's folder ties
    # every chapter to that one (advise once took keep_gil from the profiling chapter).
    toolbox = [p for p in HELPERS.glob("*.py") if p.name != "__init__.py"]
    assert len(toolbox) >= 15
    sources = {p.name: p.read_text(encoding="utf-8") for p in toolbox}
    assert {name: found for name, text in sources.items() if (found := chapter_imports(text))} == {}
    assert chapter_imports("from helpers.profiling.experiment import x\nimport helpers.events") == [
        "helpers.profiling.experiment", "helpers.events"], "the probe must see both forms"
