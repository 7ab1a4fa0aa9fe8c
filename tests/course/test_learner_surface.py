"""The learner-first rules of CONTRIBUTING.md, checked over the whole collection.

The code a section teaches is in the cells; ``show()`` is for what a child process must import,
and what it shows is lean; scripts are files; every chapter has an explorer; every exercise uses
the one shared checker; no helper module is too long to find one's way in.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
from pathlib import Path

import pytest

from helpers.course import collection
from helpers.course.collection import HELPERS, MIN_HELPER_MODULES, NOTEBOOKS

CHAPTERS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
MAX_SHOWS = 30
MAX_MODULE_LINES = 400
MAX_INLINE_SCRIPT_LINES = 10
MAX_SHOWN_DOCSTRING_LINES = 3


def code_cells(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def parsed(source: str) -> ast.Module | None:
    """A cell's syntax tree, IPython magics and shell escapes left out."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        return compile("\n".join(lines), "<cell>", "exec",
                       flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError:
        return None


def calls_named(tree: ast.AST, name: str) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == name]


def shown_objects(path: Path) -> list[tuple[str, object]]:
    """What the notebook passes to show(), resolved through its import lines.

    ``from helpers import x``, ``from helpers.chapter import x`` (a module or a name) and plain
    ``import module`` are followed; an expression none of them explains fails the test, so a
    new import style cannot make the lean rule check nothing.
    """
    aliases: dict[str, str] = {}
    shown: list[str] = []
    for source in code_cells(path):
        tree = parsed(source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
                aliases.update({a.asname or a.name: f"{node.module}:{a.name}" for a in node.names})
            elif isinstance(node, ast.Import):
                aliases.update({a.asname or a.name: a.name for a in node.names})
        shown += [ast.unparse(arg) for call in calls_named(tree, "show") for arg in call.args]
    objects = []
    for expression in shown:
        head, _, rest = expression.partition(".")
        assert head in aliases, f"{path.name}: show({expression}) names nothing imported"
        module, _, name = aliases[head].partition(":")
        target = importlib.import_module(module)
        for part in filter(None, [name, *rest.split(".")]):
            target = (getattr(target, part) if hasattr(target, part)
                      else importlib.import_module(f"{target.__name__}.{part}"))
        objects.append((expression, target))
    return objects


def helper_objects(path: Path) -> list[tuple[str, object]]:
    """The shown objects that the course wrote (the standard library's are shown as they are)."""
    return [(expression, target) for expression, target in shown_objects(path)
            if (getattr(target, "__module__", None) or getattr(target, "__name__", "")
                ).startswith("helpers")]


def test_every_shown_object_is_resolved():
    # Counted, so that a new way of importing cannot silently empty the lean rule's input.
    arguments = sum(len(call.args) for path in CHAPTERS for source in code_cells(path)
                    if (tree := parsed(source)) is not None for call in calls_named(tree, "show"))
    resolved = [target for path in CHAPTERS for _, target in shown_objects(path)]
    ours = [target for path in CHAPTERS for _, target in helper_objects(path)]
    assert len(resolved) == arguments >= 30
    assert len(ours) == len(resolved) - 1, "all but threading.Thread.run (04) are the course's"


def test_show_is_rare_across_the_collection():
    counts = {path.name: sum(len(calls_named(tree, "show")) for source in code_cells(path)
                             if (tree := parsed(source)) is not None) for path in CHAPTERS}
    assert sum(counts.values()) <= MAX_SHOWS, counts


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_what_is_shown_is_lean(path):
    import inspect

    problems = []
    for expression, target in helper_objects(path):
        source = inspect.getsource(inspect.unwrap(target))
        doc = inspect.getdoc(target) or ""
        if ">>>" in source:
            problems.append(f"{expression} carries doctests (move them to tests/)")
        if re.search(r"raise (TypeError|ValueError)\(\s*f?[\"'][^\"']*\bmust\b", source):
            problems.append(f"{expression} checks its arguments (do that at the entry point)")
        if inspect.isfunction(target) and len(doc.splitlines()) > MAX_SHOWN_DOCSTRING_LINES:
            problems.append(f"{expression} has a {len(doc.splitlines())}-line docstring")
    assert problems == []


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_scripts_are_files_not_long_strings(path):
    long = []
    for source in code_cells(path):
        tree = parsed(source)
        for node in ast.walk(tree) if tree is not None else ():
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and node.value.count("\n") > MAX_INLINE_SCRIPT_LINES):
                long.append(node.value.strip().splitlines()[0][:60])
    assert long == [], f"move these to notebooks/scripts/: {long}"


@pytest.mark.parametrize("path", [p for p in CHAPTERS if not p.name.startswith("00_")],
                         ids=lambda p: p.name)
def test_every_chapter_has_an_explorer(path):
    assert any(calls_named(tree, "explore") for source in code_cells(path)
               if (tree := parsed(source)) is not None), f"{path.name} has no explore(...) panel"


MODULES = sorted(HELPERS.rglob("*.py"))


def test_every_module_is_found_in_every_folder():
    # rglob, not glob: a chapter folder's modules obey the same rules as the toolbox's.
    assert collection.helper_modules() == MODULES and len(MODULES) >= MIN_HELPER_MODULES


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(HELPERS)))
def test_modules_are_short(module):
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{module.name} has {lines} lines: split it by concern"


def test_exercise_checkers_are_not_written_again():
    hand_written = [f"{module.stem}.{node.name}" for module in MODULES
                    if module.stem not in {"exercises", "checks"}
                    for node in ast.parse(module.read_text(encoding="utf-8")).body
                    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                    and node.name.startswith("check_")]
    assert hand_written == [], "use helpers.exercises instead of a checker of your own"


def test_scripts_folder_holds_real_programs():
    for script in (NOTEBOOKS / "scripts").glob("*.py"):
        assert re.fullmatch(r"\d\d_\w+\.py", script.name), script.name
        ast.parse(script.read_text(encoding="utf-8"))
