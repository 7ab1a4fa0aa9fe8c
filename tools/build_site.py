"""Build the course's website: every notebook executed once, rendered with its outputs.

    python tools/build_site.py            # build/site/ (open build/site/index.html)

1. Execute each notebook once (``nbclient``, as the tests do) with ``COURSE_STATIC_SITE=1``,
   into ``build/executed/``; a notebook whose copy there is newer than its source is not run
   again. The tests write these copies when ``COURSE_STATIC_SITE`` is set (``conftest.py``, from
   what nbval received; ``make test-rerun``, from its first pass), so in CI the site only
   renders the test leg's copies.
2. Stage README.md, the licence and contributing pages and the executed notebooks in the
   repository's own layout, so every relative link (``notebooks/02_gil.ipynb``,
   ``../README.md``) resolves, and render them with Sphinx (``site/conf.py``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from helpers.course import ci_legs
from helpers.course.collection import EXECUTED, write_site_copy

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
STAGE = ROOT / "build" / "site-src"
SITE = ROOT / "build" / "site"
PAGES = ("README.md", "CONTRIBUTING.md", "LICENSE-CONTENT.md")


def execute(source: Path, target: Path, timeout: float) -> float:
    """Run every cell of ``source`` in a fresh kernel; write the notebook with its outputs."""
    notebook = nbformat.read(source, as_version=4)
    os.environ["COURSE_STATIC_SITE"] = "1"  # inherited by the kernel
    started = time.monotonic()
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    write_site_copy(notebook, target)
    return time.monotonic() - started


def stage() -> None:
    """The repository's layout, and a (hidden) table of contents for the site's sidebar."""
    shutil.rmtree(STAGE, ignore_errors=True)
    (STAGE / "notebooks").mkdir(parents=True)
    for page in PAGES:
        shutil.copy2(ROOT / page, STAGE / page)
    executed = sorted(EXECUTED.glob("*.ipynb"))
    for notebook in executed:
        shutil.copy2(notebook, STAGE / "notebooks" / notebook.name)
    entries = [f"notebooks/{notebook.stem}" for notebook in executed]
    entries += [Path(page).stem for page in PAGES[1:]]
    with (STAGE / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("\n```{toctree}\n:hidden:\n:maxdepth: 1\n\n" + "\n".join(entries)
                     + "\n```\n")


def link_outputs(site: Path) -> int:
    """Point links to notebooks in cell *outputs* (00's course map) at their pages.

    Sphinx resolves links written in Markdown cells; a link an output prints is raw HTML.
    """
    changed = 0
    link = re.compile(r'href="((?!https?:|\.\./_sources/)[^"#]*?)\.ipynb(#[^"]*)?"')
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")

        def to_page(match: re.Match, page: Path = page) -> str:
            target = (page.parent / f"{match.group(1)}.html")
            return (f'href="{match.group(1)}.html{match.group(2) or ""}"' if target.exists()
                    else match.group(0))

        new = link.sub(to_page, text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed += 1
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=300, help="seconds per cell")
    parser.add_argument("--only", nargs="+", metavar="NN", default=None,
                        help="while writing: execute and render only these notebooks (by number)")
    options = parser.parse_args(argv)
    sources = [source for source in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
               if options.only is None or source.name[:2] in options.only]
    for stale in set(EXECUTED.glob("*.ipynb")) - {EXECUTED / s.name for s in sources}:
        stale.unlink()
    started, executed = time.monotonic(), 0
    for source in sources:
        target = EXECUTED / source.name
        if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            print(f"{source.name}: executed copy is current")
            continue
        print(f"{source.name}: executed in {execute(source, target, options.timeout):.0f} s",
              flush=True)
        executed += 1
    stage()
    shutil.rmtree(SITE, ignore_errors=True)
    done = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html",
                           "-c", str(ROOT / "site"), str(STAGE), str(SITE)])
    if done.returncode:
        return done.returncode
    link_outputs(SITE)
    # The landing page is the README; most hosts look for index.html.
    (SITE / "index.html").write_text(
        '<!DOCTYPE html><meta charset="utf-8"><title>Accelerating Python</title>'
        '<meta http-equiv="refresh" content="0; url=README.html">'
        '<a href="README.html">Accelerating Python</a>\n', encoding="utf-8")
    pages = len(list(SITE.rglob("*.html")))
    ci_legs.record("site", notebooks=len(sources), seconds=time.monotonic() - started,
                   executed=executed)
    print(f"site: {pages} pages in {SITE.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
