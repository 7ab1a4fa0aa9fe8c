"""The collection itself: which notebooks exist, their links, and the README's tables.

Every Binder link is written from one place, ``[tool.course]`` in ``pyproject.toml``
(``repository = "owner/name"``, ``ref = "tag or branch"``), so publishing changes one line.
After adding a notebook or changing that line, rewrite the links and check them::

    python -m helpers.course.collection --write   # README and every notebook's navigation line
    python -m helpers.course.collection --check   # exit 1 if anything is out of date (tests do)
    python -m helpers.course.collection --renumber 08=09 09=10   # room for a new chapter 10
    python -m helpers.course.collection --new 16 gpu "Offloading to the GPU"   # a new chapter

>>> "02_gil" in [nb.slug for nb in notebooks()]
True
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from helpers.course.ci_legs import MATRIX_END, MATRIX_START, readme_matrix

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
EXECUTED = ROOT / "build" / "executed"  # the website's copies, which tools/build_site.py renders
README = ROOT / "README.md"
NAME_PATTERN = re.compile(r"^(\d\d)_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")
NAV_MARKER = "<!-- nav -->"
TABLE_START, TABLE_END = "<!-- notebooks:start -->", "<!-- notebooks:end -->"
BADGE_START, BADGE_END = "<!-- binder:start -->", "<!-- binder:end -->"
INDEX_SLUG = "00_start_here"
HELPERS = ROOT / "helpers"
HELPERS_README = HELPERS / "README.md"
# Today's count of modules in helpers/ (every folder): a rule's test finding fewer stopped looking.
MIN_HELPER_MODULES = 88


@dataclass(frozen=True)
class NotebookInfo:
    """What the README table and the navigation lines need to know about one notebook."""

    path: Path
    title: str
    summary: str
    minutes_read: int
    seconds_run: int
    needs_two_cpus: bool
    starts_processes: bool

    @property
    def slug(self) -> str:
        return self.path.stem

    @property
    def number(self) -> str:
        return self.slug[:2]


def course_settings(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """Return ``[tool.course]`` from pyproject.toml: where the course is published.

    >>> sorted(course_settings())
    ['ref', 'repository']
    """
    settings = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["course"]
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", settings.get("repository", "")):
        raise ValueError("[tool.course] repository must look like 'owner/name'")
    if not settings.get("ref"):
        raise ValueError("[tool.course] ref must name a tag or branch")
    return {"repository": settings["repository"], "ref": settings["ref"]}


def binder_url(notebook: str | None = None) -> str:
    """Binder address that opens JupyterLab on the notebooks folder, or on one notebook.

    >>> binder_url("02_gil.ipynb").endswith("?urlpath=lab/tree/notebooks/02_gil.ipynb")
    True
    """
    if notebook is not None and not NAME_PATTERN.match(notebook):
        raise ValueError(f"expected a notebook file name like '02_gil.ipynb', got {notebook!r}")
    settings = course_settings()
    target = "notebooks" if notebook is None else f"notebooks/{notebook}"
    return (f"https://mybinder.org/v2/gh/{settings['repository']}/{settings['ref']}"
            f"?urlpath=lab/tree/{target}")


def read_info(path: Path) -> NotebookInfo:
    """Read a notebook's title (its first heading) and its ``metadata.course`` entry."""
    if not NAME_PATTERN.match(path.name):
        raise ValueError(f"notebook names are NN_slug.ipynb (lower case, underscores): {path.name}")
    notebook = json.loads(path.read_text(encoding="utf-8"))
    first = "".join(notebook["cells"][0]["source"]).splitlines()[0]
    match = re.fullmatch(r"# (\d\d) · (.+)", first)
    if not match or match.group(1) != path.name[:2]:
        raise ValueError(f"{path.name}: the first line must be '# {path.name[:2]} · Title'")
    course = notebook["metadata"].get("course")
    if not isinstance(course, dict):
        raise ValueError(f"{path.name}: metadata.course is missing")
    return NotebookInfo(
        path=path, title=match.group(2), summary=course["summary"],
        minutes_read=int(course["minutes_read"]), seconds_run=int(course["seconds_run"]),
        needs_two_cpus=bool(course["needs_two_cpus"]),
        starts_processes=bool(course.get("starts_processes", False)),
    )


def notebooks(folder: Path = NOTEBOOKS) -> list[NotebookInfo]:
    """Every notebook of the collection, in course order."""
    return [read_info(path) for path in sorted(folder.glob("*.ipynb"))]


def navigation(info: NotebookInfo, collection: list[NotebookInfo]) -> str:
    """The line under a notebook's title: previous · index · next · Open in Binder."""
    slugs = [nb.slug for nb in collection]
    position = slugs.index(info.slug)
    parts = []
    if position > 0:
        parts.append(f"[← {collection[position - 1].title}]({slugs[position - 1]}.ipynb)")
    # The index itself links to the README instead of to itself.
    index = (f"{INDEX_SLUG}.ipynb" if INDEX_SLUG in slugs and info.slug != INDEX_SLUG
             else "../README.md")
    parts.append(f"[index]({index})")
    if position + 1 < len(collection):
        parts.append(f"[{collection[position + 1].title} →]({slugs[position + 1]}.ipynb)")
    badge = "https://mybinder.org/badge_logo.svg"
    parts.append(f"[![Open in Binder]({badge})]({binder_url(info.path.name)})")
    return " · ".join(parts)


def readme_table(collection: list[NotebookInfo]) -> str:
    """The README's table of notebooks, one row each, with its own Binder link."""
    rows = ["| # | Notebook | What you learn | Read | Run (2 CPUs) | Needs ≥ 2 CPUs | Binder |",
            "|---|---|---|---|---|---|---|"]
    for nb in collection:
        rows.append(
            f"| {nb.number} | [{nb.title}](notebooks/{nb.path.name}) | {nb.summary} "
            f"| {nb.minutes_read} min | ~{nb.seconds_run} s "
            f"| {'yes' if nb.needs_two_cpus else 'no'} "
            f"| [open]({binder_url(nb.path.name)}) |"
        )
    return "\n".join(rows)


def _replace_between(text: str, start: str, end: str, body: str, where: str) -> str:
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"{where}: markers {start} ... {end} not found")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


def _synced_notebook(info: NotebookInfo, collection: list[NotebookInfo]) -> str:
    text = info.path.read_text(encoding="utf-8")
    notebook = json.loads(text)
    title_cell = notebook["cells"][0]
    source = "".join(title_cell["source"])
    if NAV_MARKER not in source:
        raise ValueError(f"{info.path.name}: the title cell has no {NAV_MARKER} line")
    source = source[: source.index(NAV_MARKER)] + NAV_MARKER + "\n" + navigation(info, collection)
    lines = source.split("\n")
    title_cell["source"] = [line + "\n" for line in lines[:-1]] + [lines[-1]]
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def _synced_readme(collection: list[NotebookInfo]) -> str:
    text = README.read_text(encoding="utf-8")
    badge = f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url()})"
    text = _replace_between(text, BADGE_START, BADGE_END, badge, "README.md")
    text = _replace_between(text, MATRIX_START, MATRIX_END, readme_matrix(), "README.md")
    return _replace_between(text, TABLE_START, TABLE_END, readme_table(collection), "README.md")


def write_site_copy(notebook: dict, path: Path) -> Path:
    """Write an executed notebook as the website shows it: its outputs, without widget state.

    A page has no kernel behind it, so saved widget state would draw dead controls.
    """
    metadata = {key: value for key, value in notebook["metadata"].items() if key != "widgets"}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**notebook, "metadata": metadata}, indent=1, ensure_ascii=False)
                    + "\n", encoding="utf-8")
    return path


def helper_modules() -> list[Path]:
    """Every module of ``helpers/``, in every folder: the rules' tests count on it."""
    return sorted(HELPERS.rglob("*.py"))


def module_name(path: Path) -> str:
    """A path under ``helpers/`` as a dotted name: ``<folder>/<module>.py`` -> ``folder.module``."""
    return ".".join(path.relative_to(HELPERS).with_suffix("").parts)


def toolbox_sources() -> dict[str, str]:
    """Each name ``helpers.toolbox`` passes on -> the module that defines it."""
    tree = ast.parse((HELPERS / "toolbox.py").read_text(encoding="utf-8"))
    sources = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
            module = node.module.removeprefix("helpers").lstrip(".")
            sources |= {a.name: module or a.name for a in node.names}
    return sources


def helper_modules_used(path: Path) -> set[str]:
    """The ``helpers`` modules a notebook imports: ``from helpers import a``, ``helpers.b``,
    ``from helpers.c import d`` (``c``, and ``c.d`` when ``d`` is a module of a folder)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code = "\n".join("".join(cell["source"]) for cell in notebook["cells"]
                     if cell["cell_type"] == "code")
    used = set()
    for module, names in re.findall(r"from helpers(?:\.([\w.]+))? import (\([^)]*\)|[^\n#]+)",
                                    code):
        names = {name.split()[0] for name in names.strip("()").split(",") if name.strip()}
        if not module:
            used |= names
            continue
        used.add(module)
        if module == "toolbox":
            used |= {toolbox_sources()[name] for name in names}
        folder = HELPERS.joinpath(*module.split("."))
        used |= {f"{module}.{name}" for name in names if (folder / f"{name}.py").exists()}
    used |= set(re.findall(r"import helpers\.([\w.]+)", code))
    return used


def helpers_readme(collection: list[NotebookInfo]) -> str:
    """A map of ``helpers/`` for a newcomer: each module, what it is for, who uses it."""
    rows = ["# helpers/", "",
            "What the notebooks import: what a child process must import, the measuring",
            "machinery and the exercise checkers (see CONTRIBUTING.md, *Where code lives*).",
            "Generated by `python -m helpers.course.collection --write`; a test checks it is "
            "current.",
            "", "| module | what it is for | used by notebooks |", "|---|---|---|"]
    users = {nb.slug: helper_modules_used(nb.path) for nb in collection}
    for module in helper_modules():
        if module.stem == "__init__":
            continue
        name = module_name(module)
        doc = ast.get_docstring(ast.parse(module.read_text(encoding="utf-8"))) or ""
        summary = " ".join(doc.split("\n\n")[0].split()) or "(no docstring)"
        notebooks_using = [slug[:2] for slug, used in users.items() if name in used]
        rows.append(f"| `{name}` | {summary} | {', '.join(notebooks_using) or '—'} |")
    return "\n".join(rows) + "\n"


def out_of_date() -> dict[Path, str]:
    """Files whose links or tables differ from what the collection says: path -> new text."""
    collection = notebooks()
    wanted = {README: _synced_readme(collection), HELPERS_README: helpers_readme(collection)}
    wanted.update({nb.path: _synced_notebook(nb, collection) for nb in collection})
    return {path: text for path, text in wanted.items()
            if not path.exists() or path.read_text(encoding="utf-8") != text}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="rewrite README and navigation")
    action.add_argument("--check", action="store_true", help="exit 1 when anything is stale")
    action.add_argument("--renumber", nargs="+", metavar="OLD=NEW",
                        help="move chapters, rewrite every reference, then --write")
    action.add_argument("--new", nargs=3, metavar=("NN", "SLUG", "TITLE"),
                        help="write a new chapter that follows every rule, then --write")
    action.add_argument("--starting-processes", action="store_true",
                        help="print the notebooks that start processes, one path per line")
    args = parser.parse_args(argv)
    if args.starting_processes:
        print("\n".join(str(nb.path.relative_to(ROOT)) for nb in notebooks()
                        if nb.starts_processes))
        return 0
    if args.renumber:
        from helpers.course.renumber import parse_mapping, renumber
        for line in renumber(parse_mapping(args.renumber), ROOT):
            print(line)
    if args.new:
        from helpers.course.scaffold import new_chapter
        try:
            written = new_chapter(ROOT, *args.new)
        except ValueError as error:
            parser.error(str(error))
        for path in written:
            print(f"wrote {path.relative_to(ROOT)}")
    stale = out_of_date()
    if args.check:
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)} "
                  "(run python -m helpers.course.collection --write)")
        return 1 if stale else 0
    for path, text in stale.items():
        path.write_text(text, encoding="utf-8")
        print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
