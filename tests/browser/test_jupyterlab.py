"""Every notebook, run in JupyterLab in a real browser, as a learner runs it.

nbval runs kernels without a browser; this suite sees what a learner sees: errors and stderr in
cells, plots that came out empty, widgets that did not render.
"""

from __future__ import annotations

import json

import pytest
from jupyterlab_driver import run_notebook

from helpers.collection import NOTEBOOKS

pytestmark = pytest.mark.browser
NAMES = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_cleanly_in_jupyterlab(page, lab_server, name):
    report = run_notebook(page, lab_server, name)
    print(f"{name}: all cells ran in {report.seconds:.0f} s in the browser")
    assert report.problems == []


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
