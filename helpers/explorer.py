"""Every chapter's explorer: controls over its central experiment, a Run button, a live figure.

``explore(run, workers=(1, 8), chunksize=[1, 2, 4])`` shows one control per keyword (ipywidgets'
abbreviations: a ``(min, max)`` or ``(min, max, step)`` tuple is a slider, a list a dropdown, a
widget itself is used as it is), a **Run** button, and an output area. Pressing Run calls
``run(**values)`` and shows the figure it draws. The panel runs once with its defaults when the
cell runs, so a head-less run (nbval) executes the experiment and fails if it raises.

On the course's static website (built with ``COURSE_STATIC_SITE=1``) there is no kernel to
re-run anything: the explorer draws its default run as a plain figure and says how to move it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import ipywidgets
from IPython.display import display
from ipywidgets.widgets.interaction import show_inline_matplotlib_plots

#: The CSS class the browser test looks for to find, move and run every explorer.
EXPLORER_CLASS = "course-explorer"
#: Set by ``make site``: the notebook is executed for a static page, with no kernel behind it.
STATIC_SITE_VARIABLE = "COURSE_STATIC_SITE"


def explore(run: Callable[..., Any], **controls: Any) -> ipywidgets.interactive:
    """Show a panel of ``controls`` for ``run`` with a Run button; run it once now.

    Returns the panel (an ``ipywidgets.interactive``): ``panel.result`` is what the last run
    returned, so the cell can check it.
    """
    if not callable(run):
        raise TypeError(f"run must be the function to re-run, got {type(run).__name__}")
    if not controls:
        raise TypeError("explore needs at least one control, e.g. workers=(1, 8)")
    panel = ipywidgets.interactive(run, {"manual": True, "manual_name": "Run"}, **controls)
    panel.add_class(EXPLORER_CLASS)
    for widget in panel.kwargs_widgets:
        if hasattr(widget, "continuous_update"):
            widget.continuous_update = False
        widget.style.description_width = "initial"
    panel.manual_button.button_style = "primary"
    if os.environ.get(STATIC_SITE_VARIABLE):
        return _static(panel, run)
    display(panel)
    failure = None
    with panel.out:  # the first run; the Output widget would swallow an error, so keep it
        try:
            panel.kwargs = {w._kwarg: w.get_interact_value() for w in panel.kwargs_widgets}
            panel.result = run(**panel.kwargs)
            show_inline_matplotlib_plots()
        except Exception as error:
            failure = error
    if failure is not None:  # fail the cell, as any other cell would
        raise failure
    return panel


def _static(panel: ipywidgets.interactive, run: Callable[..., Any]) -> ipywidgets.interactive:
    """The default run as a plain figure, for a page that has no kernel to move the controls."""
    panel.kwargs = {w._kwarg: w.get_interact_value() for w in panel.kwargs_widgets}
    settings = ", ".join(f"{name}={value!r}" for name, value in panel.kwargs.items())
    print(f"Explorer, run at its defaults ({settings}). Open this notebook in JupyterLab or on "
          "Binder to move the controls and press Run.")
    panel.result = run(**panel.kwargs)
    show_inline_matplotlib_plots()
    return panel
