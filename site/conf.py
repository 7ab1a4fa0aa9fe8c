"""Sphinx configuration of the course's website (``make site``; see tools/build_site.py).

Sphinx with MyST-NB and the Sphinx Book Theme: notebooks rendered from the outputs of one
execution pass (never executed again here), Sphinx's own full-text search, and a Binder launch
button per page that opens the same link the README gives for that notebook.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers.course.collection import course_settings  # noqa: E402

settings = course_settings()
project = "Accelerating Python"
author = "The Accelerating Python authors"
copyright = "2026, the Accelerating Python authors (text CC BY 4.0, code MIT)"

extensions = ["myst_nb"]
root_doc = "README"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "notebooks/scripts"]
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]
# Executed once by tools/build_site.py; rendering must not run them a second time.
nb_execution_mode = "off"
# The explorers are drawn as plain figures on the static site (COURSE_STATIC_SITE), so no
# widget JavaScript is loaded from a CDN.
nb_ipywidgets_js = {}
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]

html_theme = "sphinx_book_theme"
html_title = project
html_static_path: list[str] = []
html_context = {"default_mode": "light"}
html_theme_options = {
    "repository_url": f"https://github.com/{settings['repository']}",
    "repository_branch": settings["ref"],
    "path_to_docs": "",
    "use_repository_button": True,
    "launch_buttons": {"binderhub_url": "https://mybinder.org", "notebook_interface": "jupyterlab"},
}
