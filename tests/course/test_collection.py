"""Checks of the collection itself: clean notebooks, names, anatomy, links, navigation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers.course import collection

NOTEBOOK_PATHS = sorted(collection.NOTEBOOKS.glob("*.ipynb"))
SECTIONS = ("At a glance", "Setup", "Common pitfalls", "Exercises", "Key takeaways",
            "Further reading")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_are_notebooks():
    assert NOTEBOOK_PATHS, "notebooks/ holds no notebook"


def stored_output_problems(notebook: dict) -> list[str]:
    """Everything that must not be committed: outputs, execution counts, widget state."""
    problems = []
    if "widgets" in notebook.get("metadata", {}):
        problems.append("notebook metadata stores widget state")
    for number, cell in enumerate(notebook["cells"], 1):
        if cell["cell_type"] == "code" and cell.get("outputs"):
            problems.append(f"cell {number} has stored outputs")
        if cell["cell_type"] == "code" and cell.get("execution_count") is not None:
            problems.append(f"cell {number} has an execution count")
    return problems


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_notebook_is_committed_clean(path):
    assert stored_output_problems(load(path)) == []


def test_a_notebook_with_outputs_is_caught():
    dirty = {"metadata": {"widgets": {}}, "cells": [
        {"cell_type": "code", "execution_count": 3,
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "hi"}]}]}
    assert stored_output_problems(dirty) == [
        "notebook metadata stores widget state", "cell 1 has stored outputs",
        "cell 1 has an execution count"]


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_notebook_name_and_title(path):
    info = collection.read_info(path)  # raises on a bad name, title or metadata
    assert info.title and info.summary
    assert info.minutes_read > 0 and 0 < info.seconds_run <= 60


@pytest.mark.parametrize("name", ["1_gil.ipynb", "01-gil.ipynb", "01_GIL.ipynb", "01 gil.ipynb"])
def test_bad_notebook_names_are_rejected(name):
    assert not collection.NAME_PATTERN.match(name)


def headings(notebook: dict) -> list[str]:
    return [line.lstrip("#").strip()
            for cell in notebook["cells"] if cell["cell_type"] == "markdown"
            for line in "".join(cell["source"]).splitlines() if line.startswith("#")]


@pytest.mark.parametrize("path", [p for p in NOTEBOOK_PATHS if not p.name.startswith("00_")],
                         ids=lambda p: p.name)
def test_notebook_has_the_anatomy(path):
    found = headings(load(path))
    missing = [s for s in SECTIONS if not any(h.startswith(s) for h in found)]
    assert missing == [], f"{path.name} lacks the sections {missing}"
    order = [next(i for i, h in enumerate(found) if h.startswith(s)) for s in SECTIONS]
    assert order == sorted(order), f"{path.name}: sections out of the guide's order"


SECTION_HEADING = re.compile(r"^##\s+(\d+)\s*·")  # "## 3 · Title": a numbered section


def section_numbers(notebook: dict) -> list[int]:
    """The numbers of a notebook's numbered sections ("## 3 · Title"), in the order they appear."""
    return [int(match.group(1))
            for cell in notebook["cells"] if cell["cell_type"] == "markdown"
            for line in "".join(cell["source"]).splitlines()
            if (match := SECTION_HEADING.match(line))]


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_sections_are_numbered_one_to_n_in_order(path):
    numbers = section_numbers(load(path))
    assert numbers, f"{path.name} has no numbered section"
    assert numbers == list(range(1, len(numbers) + 1)), \
        f"{path.name}: sections numbered {numbers}, expected 1…{len(numbers)} in order"


def test_section_numbers_see_a_gap_and_ignore_titles_and_subsections():
    cell = {"cell_type": "markdown",
            "source": ["# 10 · numba\n", "## 1 · One\n", "### 2 · sub\n", "## 13 · Late"]}
    assert section_numbers({"cells": [cell]}) == [1, 13]


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_setup_cell_reports_the_machine(path):
    code = ["".join(c["source"]) for c in load(path)["cells"] if c["cell_type"] == "code"]
    assert "report(" in code[0], "the first code cell must call helpers.machine.report()"


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_every_solution_is_collapsed_and_checked(path):
    solutions = [c for c in load(path)["cells"] if c["cell_type"] == "code"
                 and "".join(c["source"]).startswith("# Solution")]
    assert solutions, f"{path.name} has no exercise solutions"
    for cell in solutions:
        assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True
        assert "expect(" in "".join(cell["source"]), "a solution must run through its checker"


def test_links_and_tables_are_up_to_date():
    stale = collection.out_of_date()
    assert not stale, ("run `python -m helpers.course.collection --write`: "
                       f"{sorted(map(str, stale))}")


def test_readme_links_every_notebook_to_binder():
    readme = collection.README.read_text(encoding="utf-8")
    targets = re.findall(r"urlpath=lab/tree/(notebooks/[^)\s]+\.ipynb)\)", readme)
    assert sorted(set(targets)) == [f"notebooks/{p.name}" for p in NOTEBOOK_PATHS]
    for target in targets:
        assert (collection.ROOT / target).exists(), target
    assert "labpath=" not in readme


def test_navigation_points_to_neighbours():
    infos = collection.notebooks()
    for position, info in enumerate(infos):
        title = "".join(load(info.path)["cells"][0]["source"])
        links = re.findall(r"\]\(([^)]+\.ipynb)\)", title.split(collection.NAV_MARKER)[1])
        links = [link for link in links if not link.startswith("http")]
        expected = [infos[position - 1].path.name] if position > 0 else []
        if any(nb.slug == collection.INDEX_SLUG for nb in infos) and (
                info.slug != collection.INDEX_SLUG):
            expected.append(f"{collection.INDEX_SLUG}.ipynb")
        if position + 1 < len(infos):
            expected.append(infos[position + 1].path.name)
        assert links == expected, f"{info.path.name}: navigation {links}, expected {expected}"
        for link in links:
            assert (collection.NOTEBOOKS / link).exists()


def test_binder_url_rejects_a_bad_name():
    with pytest.raises(ValueError, match=r"NN_slug|02_gil"):
        collection.binder_url("gil.ipynb")


def test_course_settings_validate(tmp_path):
    bad = tmp_path / "pyproject.toml"
    bad.write_text('[tool.course]\nrepository = "no-slash"\nref = "v1"\n')
    with pytest.raises(ValueError, match="owner/name"):
        collection.course_settings(bad)
    bad.write_text('[tool.course]\nrepository = "a/b"\nref = ""\n')
    with pytest.raises(ValueError, match="ref"):
        collection.course_settings(bad)


def test_helper_modules_used_reads_every_import_form(tmp_path):
    code = ("from helpers import gil, plots as p\nfrom helpers.timing import measure\n"
            "import helpers.tracing\nfrom helpers import (\n    machine,\n    checks,\n)\n")
    notebook = {"cells": [{"cell_type": "code", "source": code, "metadata": {}, "outputs": []}]}
    path = tmp_path / "01_x.ipynb"
    path.write_text(json.dumps(notebook))
    assert collection.helper_modules_used(path) == {"gil", "plots", "timing", "tracing",
                                                     "machine", "checks"}


def test_helper_modules_used_counts_the_toolbox_names_for_their_modules(tmp_path):
    code = "from helpers.toolbox import claim, expect, plots\n"
    notebook = {"cells": [{"cell_type": "code", "source": code, "metadata": {}, "outputs": []}]}
    path = tmp_path / "02_x.ipynb"
    path.write_text(json.dumps(notebook))
    assert collection.helper_modules_used(path) == {"toolbox", "claims", "checks", "plots"}


def test_helper_modules_used_follows_a_chapter_folder(tmp_path, monkeypatch):
    (tmp_path / "pools").mkdir()
    for name in ("__init__", "workers", "answers"):
        (tmp_path / "pools" / f"{name}.py").write_text("")
    monkeypatch.setattr(collection, "HELPERS", tmp_path)
    code = ("from helpers.pools import workers, answers as a, SOME_NAME\n"
            "import helpers.pools.answers\n")
    notebook = {"cells": [{"cell_type": "code", "source": code, "metadata": {}, "outputs": []}]}
    path = tmp_path / "03_x.ipynb"
    path.write_text(json.dumps(notebook))
    assert collection.helper_modules_used(path) == {"pools", "pools.workers", "pools.answers"}
    assert collection.module_name(tmp_path / "pools" / "workers.py") == "pools.workers"
    assert len(collection.helper_modules()) == 3


def test_the_index_links_to_the_readme_not_to_itself():
    infos = collection.notebooks()
    index = next(info for info in infos if info.slug == collection.INDEX_SLUG)
    assert "[index](../README.md)" in collection.navigation(index, infos)
    assert f"[index]({collection.INDEX_SLUG}.ipynb)" in collection.navigation(infos[1], infos)


# ---- every repository path the course names exists ------------------------------------------

#: A path into the repository as the course writes it: ``notebooks/scripts/14_ping.py``,
#: ``helpers/lru_cache/workers.py``, ``tests/...``, and ``scripts/NN_x.py`` (from a notebook's
#: folder).
REPO_PATH = re.compile(
    r"(?<![\w/.~$<-])((?:notebooks|helpers|tests|tools|scripts|\.ci)/[\w*.\-/\[\]<>]*[\w*\]>])")


def is_placeholder(path: str) -> bool:
    """``notebooks/NN_slug.ipynb``, ``tests/test_<module>.py``: a form, not a file."""
    return "<" in path or any(part == "NN" or part.startswith("NN_") for part in path.split("/"))


def named_paths(text: str) -> list[str]:
    """The repository paths a text names (placeholders left out), in order."""
    found = (match.group(1).rstrip(".") for match in REPO_PATH.finditer(text))
    return [path for path in found if not is_placeholder(path)]


def path_exists(path: str, root: Path = collection.ROOT) -> bool:
    """True if the path (a glob: at least one file) exists; ``scripts/`` is under notebooks/."""
    base = root / "notebooks" if path.startswith("scripts/") else root
    if any(char in path for char in "*?["):
        return any(base.glob(path))
    return (base / path).exists()


def texts_that_name_paths() -> list[tuple[str, str]]:
    """(where, text) for every helper module, README.md, CONTRIBUTING.md and notebook cell."""
    texts = [(str(p.relative_to(collection.ROOT)), p.read_text(encoding="utf-8"))
             for p in sorted(collection.HELPERS.rglob("*.py"))]
    texts += [(name, (collection.ROOT / name).read_text(encoding="utf-8"))
              for name in ("README.md", "CONTRIBUTING.md")]
    for path in NOTEBOOK_PATHS:
        texts += [(f"{path.name} cell {number}", "".join(cell["source"]))
                  for number, cell in enumerate(load(path)["cells"])]
    return texts


def test_named_paths_finds_paths_and_globs_and_skips_placeholders():
    text = ("runs ``notebooks/scripts/11_*.py``; see helpers/lru_cache/workers.py, "
            "`scripts/07_leak.py`, "
            "notebooks/NN_slug.ipynb and tests/test_<module>.py; my/helpers/x.py is not ours.")
    assert named_paths(text) == ["notebooks/scripts/11_*.py", "helpers/lru_cache/workers.py",
                                 "scripts/07_leak.py"]
    assert path_exists("scripts/07_leak.py") and path_exists("notebooks/scripts/14_*.py")
    assert not path_exists("notebooks/scripts/99_*.py") and not path_exists("helpers/nothing.py")


def test_every_repository_path_named_exists():
    missing = [f"{where}: {path}" for where, text in texts_that_name_paths()
               for path in named_paths(text) if not path_exists(path)]
    assert missing == [], "paths named but not in the repository:\n" + "\n".join(missing)


def test_a_helper_names_only_scripts_of_chapters_that_use_it():
    """helpers/scaling_out/ serves 14, so ``scripts/11_*.py`` in it is a stale chapter number."""
    users: dict[str, set[str]] = {}
    for path in NOTEBOOK_PATHS:
        for module in collection.helper_modules_used(path):
            users.setdefault(module, set()).add(path.name[:2])
    stale = []
    modules = collection.helper_modules()
    assert len(modules) >= collection.MIN_HELPER_MODULES
    for module in modules:
        chapters = users.get(collection.module_name(module))
        if not chapters:
            continue  # not imported by a notebook (a tool, or a module of modules)
        for path in named_paths(module.read_text(encoding="utf-8")):
            number = re.match(r"(?:notebooks/)?scripts/(\d\d)_", path)
            if number and number.group(1) not in chapters:
                where = module.relative_to(collection.HELPERS)
                stale.append(f"helpers/{where} (used by {sorted(chapters)}) names {path}")
    assert stale == [], "\n".join(stale)
