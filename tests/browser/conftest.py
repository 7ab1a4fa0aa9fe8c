"""Fixtures for the browser tests: one JupyterLab server and one Chromium for the whole run."""

from __future__ import annotations

from pathlib import Path

import pytest
from jupyterlab_driver import CHROMIUM, CHROMIUM_ARGS, LabServer

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "browser"


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("lab")
    server = LabServer(root=scratch / "root", log=scratch / "jupyterlab.log")
    server.root.mkdir()
    try:
        server.start(ROOT)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"no browser at {CHROMIUM}: install Debian's chromium "
                    "(apt-get install chromium) or set COURSE_CHROMIUM to a Chromium binary")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = request.node.name.replace("/", "_").replace("[", "_").replace("]", "")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    page.close()
