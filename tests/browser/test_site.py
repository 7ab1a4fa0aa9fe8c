"""The course's website (``make site``), read in a real browser as a visitor reads it.

Every page loads with no console error or failed request, every figure is a non-empty image,
every internal link resolves, every notebook page's launch button opens that notebook's Binder
link (the README's), and search finds a word that only a late chapter uses.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
from jupyterlab_driver import INKED_JS

from helpers.course.collection import ROOT, binder_url

pytestmark = pytest.mark.site
SITE = ROOT / "build" / "site"
PAGES = sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")
               if "_static" not in p.parts and "_sources" not in p.parts)
# The one resource a page may take from outside the site: the Binder badge (the network is
# closed here, so it fails to load in this test; it is a badge, not a figure).
EXTERNAL_ALLOWED = ("https://mybinder.org/badge_logo.svg",)
# A word only the last chapters use, to prove search covers the whole course.
LATE_WORD, LATE_PAGE = "mpiexec", "notebooks/14_scaling_out.html"

_IMAGES_JS = ("() => [...document.querySelectorAll('article img, .bd-article img')]"
              f".map(img => ({{src: img.src, inked: ({INKED_JS})(img)}}))")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site_url():
    if not (SITE / "index.html").exists():
        pytest.fail(f"no site in {SITE}: run `make site` first")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join(timeout=10)


def test_the_site_has_every_notebook():
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(Path(p).stem for p in PAGES if p.startswith("notebooks/")) == notebooks


@pytest.mark.parametrize("page_path", PAGES)
def test_page_loads_cleanly_with_its_figures_and_links(browser, site_url, page_path):
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None)  # a failed load is reported, with its address, by the handlers below
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 and r.url.startswith(site_url) else None)
    page.on("requestfailed", lambda r: None if r.url in EXTERNAL_ALLOWED else problems.append(
        f"request failed: {r.url}"))
    page.goto(urljoin(site_url, page_path), wait_until="load")
    page.wait_for_load_state("networkidle")
    for image in page.evaluate(_IMAGES_JS):
        if image["src"] not in EXTERNAL_ALLOWED and image["inked"] < 0.005:
            problems.append(f"empty image {image['src'][:80]} ({image['inked']:.2%} inked)")
    for href in page.eval_on_selector_all("a[href]", "nodes => nodes.map(n => n.href)"):
        target = urlparse(href)
        if href.startswith(site_url):
            path = SITE / unquote(target.path).lstrip("/")
            if not (path.is_file() or (path / "index.html").is_file()):
                problems.append(f"broken internal link: {href}")
    if page_path.startswith("notebooks/"):
        launch = page.eval_on_selector_all(
            "a[href*='mybinder.org']", "nodes => nodes.map(n => n.href)")
        wanted = binder_url(Path(page_path).with_suffix(".ipynb").name)
        if wanted not in launch:
            problems.append(f"no launch button to {wanted} (found {launch})")
    page.close()
    assert problems == []


def test_search_finds_a_late_chapter(browser, site_url):
    page = browser.new_page()
    page.goto(urljoin(site_url, f"search.html?q={LATE_WORD}"))
    page.wait_for_selector("#search-results li a", timeout=30_000)
    found = page.eval_on_selector_all("#search-results li a",
                                      "nodes => nodes.map(n => n.getAttribute('href'))")
    page.close()
    assert any(LATE_PAGE in href for href in found), found
