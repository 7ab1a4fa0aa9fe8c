"""A new chapter that already follows every rule of the collection, ready to be written.

``python -m helpers.course.collection --new NN slug "Title"`` writes ``notebooks/NN_slug.ipynb``
(title, navigation, *At a glance*, the setup cell, one section of idea → code → run → check with
an explorer, common pitfalls, one exercise with its hidden, checked solution, takeaways, further
reading and the ``course`` metadata), the chapter folder ``helpers/<slug>/`` (an empty
``__init__.py`` and a ``workers.py``) and ``tests/chapters/test_<slug>.py``, then brings the
README and the navigation lines up to date. The placeholders in italics say what to write.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

SLUG = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")

WORKERS = '''"""What a child process of chapter {number} imports: no matplotlib, no ipywidgets."""

from __future__ import annotations


def square_sum(n: int) -> int:
    """The sum of the squares below ``n``: a CPU-bound task (replace it with the chapter's)."""
    return sum(i * i for i in range(n))
'''

TEST = '''"""Chapter {number}'s helpers: what its child processes run."""

from __future__ import annotations

from helpers.{folder} import workers


def test_square_sum_is_the_closed_form():
    assert [workers.square_sum(n) for n in (0, 1, 4, 1000)] == [
        n * (n - 1) * (2 * n - 1) // 6 for n in (0, 1, 4, 1000)]
'''

SETUP = '''\
import course_check  # noqa: F401  (a clear error if another `helpers` hides the course's)

# isort: split
{imports}

facts = report()'''
TOOLBOX = ("from helpers.toolbox import Timer, exercises, expect, explore, mp_context, passes, "
           "plots, report")

SECTION = '''def run_on_pool(processes=2, tasks=8, n=200_000):
    """The section's experiment: `tasks` equal tasks on a pool of `processes` workers."""
    with mp_context().Pool(processes) as pool, Timer() as timer:  # the timer starts after the pool
        results = pool.map_async(workers.square_sum, [n] * tasks).get(timeout=60)
    plots.timings_bar({{f"{{processes}} process(es)": timer.elapsed}},
                      title=f"{{tasks}} tasks of n = {{n:,}} on a process pool")
    return results


results = run_on_pool()
expect(results == [workers.square_sum(200_000)] * 8, "the pool computes the sequential results")'''

EXPLORER = '''\
panel = explore(run_on_pool, processes=(1, 4), tasks=(1, 16), n=[100_000, 200_000])
expect(panel.result == [workers.square_sum(200_000)] * 8, "the explorer's first run is correct")'''

EXERCISE = '''tasks_per_worker = ...  # your answer: 8 tasks on 2 workers, how many does each run?
exercises.check_prediction(tasks_per_worker, 4, rel_tol=0, what="tasks per worker")'''

SOLUTION = '''# Solution: map spreads equal tasks evenly, 8 / 2 = 4 each.
tasks_per_worker = 4
expect(passes(exercises.check_prediction, tasks_per_worker, 4, rel_tol=0,
              what="tasks per worker"), "solution 1 passes its checker")'''


def folder_for(slug: str) -> str:
    """The chapter folder: the slug after its number, unless that would shadow a package."""
    name = slug.split("_", 1)[1]
    if importlib.util.find_spec(name) is not None:
        raise ValueError(f"a folder helpers/{name}/ would shadow the installed module {name!r} "
                         "when a file in helpers/ runs as a script: choose another slug")
    return name


def _cell(kind: str, text: str, *, hidden: bool = False) -> dict:
    lines = text.split("\n")
    cell = {"cell_type": kind, "metadata": {"jupyter": {"source_hidden": True}} if hidden else {},
            "source": [line + "\n" for line in lines[:-1]] + [lines[-1]]}
    if kind == "code":
        cell |= {"execution_count": None, "outputs": []}
    return cell


def notebook(number: str, title: str, folder: str) -> dict:
    """The new chapter's cells and metadata; the navigation line is filled in by the collection."""
    cells = _cells(number, title, folder)
    for position, cell in enumerate(cells):
        cell["id"] = f"c{number}-{position:02d}"  # nbformat 4.5: every cell has an id
    metadata = {
        "course": {"minutes_read": 20, "needs_two_cpus": False, "seconds_run": 10,
                   "starts_processes": True, "summary": f"*(One line for the README: {title}.)*"},
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python"},
    }
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def _cells(number: str, title: str, folder: str) -> list[dict]:
    md, code = (lambda text: _cell("markdown", text)), (lambda text: _cell("code", text))
    return [
        md(f"# {number} · {title}\n\nAfter this notebook you can *(say what the reader will be "
           "able to do, in one sentence)*.\n\n<!-- nav -->\n"),
        md("## At a glance\n\n**You will learn to**\n- *(3–5 goals)*\n\n**Prerequisites**: "
           "*(earlier notebooks)*. **Time**: 20 min to read, about 10 s to run on 2 CPUs."),
        md("## Setup"),
        code(SETUP.format(imports="\n".join(sorted([  # in isort's order
            TOOLBOX, f"from helpers.{folder} import workers"])))),
        md("## 1 · The idea\n\n*(Why, then how: the pattern is written in the cell. What a child "
           f"process runs lives in `helpers/{folder}/workers.py`.)*"),
        code(SECTION.format()),
        md("Move the controls and press **Run**: *(what to look for)*."),
        code(EXPLORER),
        md("## Common pitfalls\n\n*(Each pitfall demonstrated safely: with a timeout, in a "
           "subprocess, or caught and checked.)*"),
        md("## Exercises\n\n**1 · Predict.** Eight equal tasks go to a pool of two workers. How "
           "many tasks does each worker run?"),
        code(EXERCISE),
        _cell("code", SOLUTION, hidden=True),
        md("## Key takeaways\n\n- *(3–6 bullets)*"),
        md("## Further reading\n\n- [multiprocessing](https://docs.python.org/3/library/"
           "multiprocessing.html) *(official documentation first)*"),
    ]


def new_chapter(root: Path, number: str, slug: str, title: str) -> list[Path]:
    """Write the chapter's notebook, folder and test file under ``root``; return their paths."""
    if not re.fullmatch(r"\d\d", number):
        raise ValueError(f"the chapter number is two digits, like 16: got {number!r}")
    if not SLUG.fullmatch(slug):
        raise ValueError(f"the slug is lower case words joined by '_', like gpu_offload: {slug!r}")
    if not title.strip():
        raise ValueError("the title must not be empty")
    taken = sorted(root.glob(f"notebooks/{number}_*.ipynb"))
    if taken:
        raise ValueError(f"chapter {number} exists ({taken[0].name}): make room with "
                         f"--renumber, or choose a free number")
    folder = folder_for(f"{number}_{slug}")
    paths = {
        root / "notebooks" / f"{number}_{slug}.ipynb":
            json.dumps(notebook(number, title.strip(), folder), indent=1, ensure_ascii=False)
            + "\n",
        root / "helpers" / folder / "__init__.py": "",
        root / "helpers" / folder / "workers.py": WORKERS.format(number=number),
        root / "tests" / "chapters" / f"test_{folder}.py":
            TEST.format(number=number, folder=folder),
    }
    module = root / "helpers" / f"{folder}.py"  # a folder and a module of one name: one is hidden
    clashes = [str(path.relative_to(root)) for path in [*paths, module] if path.exists()]
    if clashes:
        raise ValueError(f"these exist already: {clashes}")
    for path, text in paths.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(paths)
