"""Every notebook, run in JupyterLab in a real browser, as a learner runs it.

nbval runs kernels without a browser; this suite sees what a learner sees: errors and stderr in
cells, plots that came out empty, widgets that did not render.
"""

from __future__ import annotations

import json
import time

import pytest
from jupyterlab_driver import run_notebook

from helpers.course import ci_legs
from helpers.course.collection import NOTEBOOKS

pytestmark = pytest.mark.browser
NAMES = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture(scope="module")
def ran():
    """The course's notebooks this module ran, recorded for the CI table when it ends."""
    started, seconds = time.monotonic(), []
    yield seconds
    ci_legs.record("jupyterlab", notebooks=len(seconds), seconds=time.monotonic() - started,
                   notebook_seconds=sum(seconds))


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_cleanly_in_jupyterlab(page, lab_server, name, ran):
    report = run_notebook(page, lab_server, name)
    ran.append(report.seconds)
    print(f"{name}: all cells ran in {report.seconds:.0f} s in the browser; "
          f"{report.explorers} explorer(s) moved and re-run")
    assert report.problems == []
    if not name.startswith("00_"):
        assert report.explorers >= 1, f"{name} has no explorer (helpers.explorer.explore)"


def scratch_notebook(server, name: str, *sources: str) -> str:
    cells = [{"cell_type": "code", "metadata": {}, "source": source, "outputs": [],
              "execution_count": None} for source in sources]
    notebook = {"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}
    (server.root / "notebooks" / name).write_text(json.dumps(notebook))
    return name


PLOT = ("import matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots()\n_ = ax.plot([0, 1], [0, 1])")
BROKEN_WIDGET = (
    "from IPython.display import display\n"
    "display({'application/vnd.jupyter.widget-view+json': {'model_id': 'no-such-model', "
    "'version_major': 2, 'version_minor': 0}, 'text/plain': 'a widget'}, raw=True)")


EXPLORER = (
    "from helpers.explorer import explore\n"
    "import matplotlib.pyplot as plt\n"
    "def draw(n=2, colour='C0'):\n"
    "    fig, ax = plt.subplots(figsize=(3, 2))\n"
    "    ax.bar(range(n), range(1, n + 1), color=colour)\n"
    "    ax.set_title(f'{n} bars')\n"
    "panel = explore(draw, n=(1, 5))")
FAILING_EXPLORER = (
    "from helpers.explorer import explore\n"
    "runs = []\n"
    "def draw(n=2):\n"
    "    runs.append(n)\n"
    "    if len(runs) > 1:\n"
    "        raise RuntimeError('second run broke')\n"
    "    fig, ax = plt.subplots(figsize=(3, 2))\n"
    "    ax.plot(range(n))\n"
    "panel = explore(draw, n=(1, 5))")
STUCK_EXPLORER = (
    "from helpers.explorer import explore\n"
    "def same(n=2):\n"
    "    fig, ax = plt.subplots(figsize=(3, 2))\n"
    "    ax.plot([0, 1])\n"
    "panel = explore(same, n=(1, 5))")


def test_explorers_are_moved_run_and_checked(page, lab_server):
    name = scratch_notebook(lab_server, "97_explorers.ipynb", PLOT, EXPLORER, FAILING_EXPLORER,
                            STUCK_EXPLORER)
    report = run_notebook(page, lab_server, name, explorer_timeout=10)
    assert report.explorers == 3
    assert [p.split(" (")[0] for p in report.explorer_problems] == [
        f"{name} explorer 2", f"{name} explorer 3"]
    assert "second run broke" in report.explorer_problems[0]
    assert "did not change" in report.explorer_problems[1]


MISSED_CLAIM = (
    "import os\n"
    "for variable in ('COURSE_STRICT_CLAIMS', 'COURSE_CLAIMS_LEDGER'):  # a learner's kernel\n"
    "    os.environ.pop(variable, None)\n"
    "from helpers.claims import claim\n"
    "held = claim('ten 0.2 s sleeps overlapped in {figure:.1f} s', measure=lambda: 2.0,\n"
    "             within=(None, 0.5), why='no measurement can meet this interval')")


def test_a_missed_speed_claim_warns_and_run_all_goes_on(page, lab_server):
    name = scratch_notebook(lab_server, "96_missed_claim.ipynb", MISSED_CLAIM,
                            "print('reached the last cell')")
    report = run_notebook(page, lab_server, name)
    assert report.problems == []
    verdict = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .course-claim-missed")
    assert verdict.count() == 1
    assert "Not confirmed on this machine" in verdict.inner_text()
    assert "no measurement can meet this interval" in verdict.inner_text()
    last = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output",
                        has_text="reached the last cell")
    assert last.count() == 1


def test_the_checker_sees_what_goes_wrong(page, lab_server):
    name = scratch_notebook(
        lab_server, "98_broken.ipynb",
        PLOT,                                                  # fine: a plot with ink
        "import warnings\nwarnings.warn('careful')",           # stderr
        "fig, ax = plt.subplots()\nax.set_axis_off()",         # an empty picture
        BROKEN_WIDGET,                                         # a widget that cannot render
        "1 / 0",                                               # an error
    )
    report = run_notebook(page, lab_server, name)
    assert [p.split(":")[0] for p in report.stderr] == [f"{name} code cell 2"]
    assert [p.split(":")[0] for p in report.blank_images] == [f"{name} code cell 3"]
    assert [p.split(":")[0] for p in report.unrendered_widgets] == [f"{name} code cell 4"]
    assert [p.split(":")[0] for p in report.errors] == [f"{name} code cell 5"]
    assert "ZeroDivisionError" in report.errors[0]
