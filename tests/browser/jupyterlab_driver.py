"""Drive JupyterLab in a real browser: open a notebook, run every cell, and say what went wrong.

Used by the browser tests only (``make test-browser``): a JupyterLab server on 127.0.0.1 with a
token, serving a throw-away copy of the repository layout, and Debian's Chromium driven by
Playwright.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from explorers import exercise_explorers

CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
# As the machine's own probe starts it: no sandbox as root, and no background traffic, which a
# closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LAB_SETTINGS = {
    # No news or update checks (the network is closed) and no toast over the notebook.
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
    # Render every cell, not only those in view, so that every output can be inspected.
    # and start the notebook's kernel without asking.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none",
                                               "autoStartDefaultKernel": True},
}
STDERR_MIME = "application/vnd.jupyter.stderr"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
ALLOW_STDERR_TAG = "expect-stderr"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    """A JupyterLab server on 127.0.0.1 over a scratch copy of ``notebooks/`` and README.md."""

    root: Path
    log: Path
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, query: str = "") -> str:
        return f"{self.base}/{path}?{query}{'&' if query else ''}token={self.token}"

    def start(self, source: Path, timeout: float = 90) -> None:
        shutil.copytree(source / "notebooks", self.root / "notebooks",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        shutil.copy(source / "README.md", self.root / "README.md")
        settings = self.root.parent / "lab-settings"
        for plugin, values in LAB_SETTINGS.items():
            path = settings / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings),
               "JUPYTERLAB_WORKSPACES_DIR": str(self.root.parent / "lab-workspaces")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}"],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.url("api/status"), timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"JupyterLab did not answer in {timeout} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@dataclass
class RunReport:
    """What a notebook did in the browser: one list per kind of failure."""

    notebook: str
    seconds: float
    errors: list[str]
    stderr: list[str]
    blank_images: list[str]
    unrendered_widgets: list[str]
    explorers: int = 0
    explorer_problems: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [*self.errors, *self.stderr, *self.blank_images, *self.unrendered_widgets,
                *self.explorer_problems]


# Runs in the page: describe every code cell's prompt, stderr outputs, widgets and images.
INKED_JS = (Path(__file__).parent / "inked.js").read_text(encoding="utf-8")
_CELLS_JS = (Path(__file__).parent / "inspect_cells.js").read_text(
    encoding="utf-8").replace("INKED", INKED_JS)


def code_cells(notebook: Path) -> list[dict]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [cell for cell in cells if cell["cell_type"] == "code"]


def widget_outputs(cell: dict) -> int:
    """How many widget views the kernel sent to this cell (read from the saved notebook)."""
    return sum(WIDGET_MIME in output.get("data", {}) for output in cell.get("outputs", []))


def run_notebook(page, server: LabServer, name: str, timeout: float = 240,
                 explorer_timeout: float = 90) -> RunReport:
    """Open ``notebooks/<name>`` by its Binder path, run all cells, wait, and inspect the result."""
    # Imported here, so that `make test` (without the browser extra) can still collect this.
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(server.url(f"lab/tree/notebooks/{name}", query="reset"))  # forget earlier tabs
    page.wait_for_url(lambda url: "reset" not in url, timeout=60_000)  # Lab reloads once
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell", timeout=60_000)
    indicator = ".jp-Notebook-ExecutionIndicator"
    status = f"document.querySelector('{indicator}')?.dataset.status"
    ready_since, deadline = None, time.monotonic() + 90
    while ready_since is None or time.monotonic() - ready_since < 2:  # idle and staying idle:
        if time.monotonic() > deadline:  # a kernel can restart once while Lab settles
            raise TimeoutError(f"{name}: the kernel never became ready")
        idle = page.evaluate(status) == "idle"
        ready_since = (ready_since or time.monotonic()) if idle else None
        time.sleep(0.25)
    start = time.monotonic()
    for _attempt in range(3):  # a click can land while Lab is still laying out its menus
        page.click(".lm-MenuBar-item:has-text('Run')")
        page.click(".lm-Menu-item[data-command='runmenu:run-all']")
        try:
            page.wait_for_function(
                "() => [...document.querySelectorAll('.jp-InputArea-prompt')]"
                ".some(p => /\\[(\\*|\\d+)\\]/.test(p.innerText))", timeout=15_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    else:
        raise TimeoutError(f"{name}: Run > Run All Cells started nothing")
    cells: list[dict] = []
    settled = 0
    while settled < 2:  # idle, with nothing queued, twice in a row
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"{name}: cells still running after {timeout} s")
        time.sleep(1)
        cells = page.evaluate(_CELLS_JS)
        idle = page.evaluate(status) == "idle"
        settled = settled + 1 if idle and not any("*" in c["prompt"] for c in cells) else 0
    seconds = time.monotonic() - start
    path = server.root / "notebooks" / name
    saved_before = path.stat().st_mtime_ns
    page.keyboard.press("Control+s")  # the saved copy tells which outputs were widgets
    deadline = time.monotonic() + 30
    while path.stat().st_mtime_ns == saved_before and time.monotonic() < deadline:
        time.sleep(0.2)
    report = RunReport(name, seconds, [], [], [], [])
    for number, (cell, saved) in enumerate(zip(cells, code_cells(path), strict=True), 1):
        where = f"{name} code cell {number}"
        if saved.get("execution_count") is None:
            report.errors.append(f"{where}: never ran (an earlier cell failed?)")
        if cell["errors"] and ALLOW_STDERR_TAG not in saved.get("metadata", {}).get("tags", []):
            target = report.errors if "Traceback" in "".join(cell["errors"]) else report.stderr
            target.append(f"{where}: {cell['errors'][0]}")
        for index, inked in enumerate(cell["images"]):
            if inked < 0.005:
                report.blank_images.append(
                    f"{where}: image {index + 1} is empty ({inked:.2%} inked)")
        if cell["widgetText"] or (widget_outputs(saved) and not cell["renderedWidgets"]):
            report.unrendered_widgets.append(f"{where}: a widget did not render")
    if not report.errors:
        report.explorers, report.explorer_problems = exercise_explorers(page, name,
                                                                         explorer_timeout)
    return report
