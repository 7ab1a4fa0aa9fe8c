"""Renumber chapters: move notebooks and their scripts, and rewrite every reference to them.

A new chapter placed between two others shifts the numbers after it. Doing that by hand misses
references, so ``python -m helpers.course.collection --renumber 01=02 02=03 …`` does it in one pass:
it renames ``notebooks/NN_slug.ipynb`` and ``notebooks/scripts/NN_name.py`` with ``git mv``, and
rewrites, in every tracked text file, the file stems (``08_numba``), script globs
(``scripts/NN_*.py``), titles and link texts (``# 08 · numba``, ``[08 · numba]``; never a
section heading such as ``## 10 · …``) and prose (``notebook 08``, ``notebooks 01 and 02``).
All numbers are mapped at once, so ``01=02 02=03`` never turns 01 into 03. Numbers held as
data (``"08"`` in a tuple) are not references it can recognise: grep for them afterwards.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

TEXT_SUFFIXES = {".py", ".md", ".ipynb", ".toml", ".yml", ".yaml", ".cfg", ".txt", ".sh", ".js"}
PROSE = re.compile(
    r"\b(?P<word>[Nn]otebooks?|[Cc]hapters?)(?P<gap>\s+)"
    r"(?P<numbers>\d\d(?:(?:,\s+and\s+|,\s*|\s+and\s+|\s*[–-]\s*|\s+or\s+)\d\d)*)\b")
#: "# 01 · Title", "[01 · Title](…)"; never a section's "## 10 · …" (its number is not a chapter's).
HEADING = re.compile(r"(?<![\d.])(?<!## )(\d\d) · ")
NUMBER = re.compile(r"\d\d")
SCRIPT_GLOB = re.compile(r"\b(scripts/)(\d\d)(_\*)")  # "scripts/11_*.py": a chapter's scripts
#: The tool and its tests quote example numbers; they never refer to the course's chapters.
OWN_FILES = {"helpers/course/renumber.py", "tests/course/test_renumber.py"}


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``["01=02", "02=03"]`` -> ``{"01": "02", "02": "03"}``, refusing what cannot be meant."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not (sep and re.fullmatch(r"\d\d", old) and re.fullmatch(r"\d\d", new)):
            raise ValueError(f"expected OLD=NEW with two-digit numbers, like 01=02; got {pair!r}")
        if old in mapping:
            raise ValueError(f"{old} is mapped twice")
        mapping[old] = new
    targets = list(mapping.values())
    if len(set(targets)) != len(targets):
        raise ValueError(f"two chapters would get the same number: {sorted(targets)}")
    return mapping


def moves(mapping: Mapping[str, str], notebooks: Path) -> list[tuple[Path, Path]]:
    """The notebooks and scripts whose number changes: (old path, new path)."""
    found = []
    for folder, suffix in ((notebooks, ".ipynb"), (notebooks / "scripts", ".py")):
        for path in sorted(folder.glob(f"[0-9][0-9]_*{suffix}")):
            number = path.name[:2]
            if number in mapping:
                found.append((path, path.with_name(mapping[number] + path.name[2:])))
    return found


def rewrite(text: str, mapping: Mapping[str, str], stems: set[str]) -> str:
    """Text with every reference to a moved chapter or script pointing at its new number."""
    def renumber(number: str) -> str:
        return mapping.get(number, number)

    if stems:
        stem_pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(stems))) + r")\b")
        text = stem_pattern.sub(lambda m: renumber(m.group(1)[:2]) + m.group(1)[2:], text)
    text = HEADING.sub(lambda m: f"{renumber(m.group(1))} · ", text)
    text = SCRIPT_GLOB.sub(lambda m: m.group(1) + renumber(m.group(2)) + m.group(3), text)
    return PROSE.sub(lambda m: m.group("word") + m.group("gap")
                     + NUMBER.sub(lambda n: renumber(n.group()), m.group("numbers")), text)


def tracked_text_files(root: Path) -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, check=True,
                            capture_output=True, text=True).stdout.split("\0")
    return [root / name for name in listed if name and name not in OWN_FILES
            and (Path(name).suffix in TEXT_SUFFIXES or Path(name).name == "Makefile")]


def renumber(mapping: Mapping[str, str], root: Path) -> list[str]:
    """Move and rewrite; return one line per changed file, for the log."""
    notebooks = root / "notebooks"
    planned = moves(mapping, notebooks)
    staying = [p for p in notebooks.glob("[0-9][0-9]_*.ipynb") if p.name[:2] not in mapping]
    clash = sorted(p.name for p in staying if p.name[:2] in set(mapping.values()))
    if clash:
        raise ValueError(f"the new numbers are taken by {clash}: map those chapters too")
    stems = {old.stem for old, _ in planned}
    log = []
    for path in tracked_text_files(root):
        if path.exists():
            text = path.read_text(encoding="utf-8")
            new_text = rewrite(text, mapping, stems)
            if new_text != text:
                path.write_text(new_text, encoding="utf-8")
                log.append(f"rewrote {path.relative_to(root)}")
    # Two steps through a temporary name, so 01->02 and 02->03 never collide mid-way.
    for old, _ in planned:
        subprocess.run(["git", "mv", str(old), str(old) + ".renumbering"], cwd=root, check=True)
    for old, new in planned:
        subprocess.run(["git", "mv", str(old) + ".renumbering", str(new)], cwd=root, check=True)
        log.append(f"moved {old.relative_to(root)} -> {new.relative_to(root)}")
    return log
