"""The renumbering tool: every reference moves, numbers are mapped at once, clashes refused."""

import shutil
import subprocess

import pytest

from helpers.course.renumber import moves, parse_mapping, renumber, rewrite

MAPPING = {"01": "02", "02": "03"}


def test_rewrite_maps_all_numbers_at_once():
    stems = {"01_gil", "02_pools", "02_pool_guarded"}
    text = ("# 02 · Pools\nSee [01 · GIL](01_gil.ipynb), notebooks 01 and 02, Notebook 02's pools, "
            "scripts/02_pool_guarded.py, chapters 01–02; 20_000 terms; Python 3.12; 01_x.")
    assert rewrite(text, MAPPING, stems) == (
        "# 03 · Pools\nSee [02 · GIL](02_gil.ipynb), notebooks 02 and 03, Notebook 03's pools, "
        "scripts/03_pool_guarded.py, chapters 02–03; 20_000 terms; Python 3.12; 01_x.")


def test_rewrite_leaves_section_headings_alone():
    """A section numbered like a chapter ("## 10 · ...") is not a reference to chapter 10."""
    text = ('"# 10 · numba\\n", "## 10 · Where numba does not help\\n", "### 10 · More\\n"\n'
            "## 10 · A section\nSee [10 · numba](10_numba.ipynb).")
    assert rewrite(text, {"10": "11"}, {"10_numba"}) == (
        '"# 11 · numba\\n", "## 10 · Where numba does not help\\n", "### 10 · More\\n"\n'
        "## 10 · A section\nSee [11 · numba](11_numba.ipynb).")


def test_rewrite_moves_a_chapters_script_glob():
    assert rewrite("``notebooks/scripts/11_*.py`` and scripts/12_*.py", {"11": "14"}, set()) == \
        "``notebooks/scripts/14_*.py`` and scripts/12_*.py"


def test_rewrite_leaves_unmapped_numbers():
    assert rewrite("notebook 07 and notebook 01", MAPPING, set()) == \
        "notebook 07 and notebook 02"


@pytest.mark.parametrize("pairs, message", [
    (["1=2"], "two-digit"), (["01-02"], "OLD=NEW"), (["01=02", "01=03"], "mapped twice"),
    (["01=03", "02=03"], "same number")])
def test_parse_mapping_refuses_bad_input(pairs, message):
    with pytest.raises(ValueError, match=message):
        parse_mapping(pairs)


#: The tool moves files with git; the interpreters of `make test-modern` run where git is absent.
needs_git = pytest.mark.skipif(shutil.which("git") is None,
                               reason="renumbering moves files with git")


def _repo(tmp_path):
    (tmp_path / "notebooks" / "scripts").mkdir(parents=True)
    for name, text in {"notebooks/01_gil.ipynb": '{"see": "notebook 02"}',
                       "notebooks/02_pools.ipynb": '{"see": "01_gil.ipynb"}',
                       "notebooks/03_threads.ipynb": "{}",
                       "notebooks/scripts/02_guard.py": "# notebook 02\n",
                       "README.md": "[01 · GIL](notebooks/01_gil.ipynb)\n"}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True)
    return tmp_path


@needs_git
def test_renumber_moves_files_and_rewrites_references(tmp_path):
    root = _repo(tmp_path)
    assert [(a.name, b.name) for a, b in moves({"01": "02", "02": "04"}, root / "notebooks")] == [
        ("01_gil.ipynb", "02_gil.ipynb"), ("02_pools.ipynb", "04_pools.ipynb"),
        ("02_guard.py", "04_guard.py")]
    renumber({"01": "02", "02": "04"}, root)
    assert (root / "notebooks/04_pools.ipynb").read_text() == '{"see": "02_gil.ipynb"}'
    assert (root / "notebooks/02_gil.ipynb").read_text() == '{"see": "notebook 04"}'
    assert (root / "notebooks/scripts/04_guard.py").read_text() == "# notebook 04\n"
    assert (root / "README.md").read_text() == "[02 · GIL](notebooks/02_gil.ipynb)\n"
    assert not (root / "notebooks/01_gil.ipynb").exists()


@needs_git
def test_renumber_refuses_to_overwrite_a_chapter(tmp_path):
    root = _repo(tmp_path)
    with pytest.raises(ValueError, match="03_threads"):
        renumber({"02": "03"}, root)
    assert (root / "notebooks/02_pools.ipynb").exists()
