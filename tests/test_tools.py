"""The tools CI runs: the busy neighbour, the chroot runner, the site builder's link fixer."""

from __future__ import annotations

import subprocess
import sys

import psutil

from helpers.collection import ROOT

TOOLS = ROOT / "tools"


def test_busy_neighbour_spins_while_the_command_runs_and_stops_after():
    probe = ("import psutil, time; time.sleep(0.5); me = psutil.Process(); "
             "spinners = [p for p in me.parent().children() if p.pid != me.pid]; "
             "print(max(p.cpu_percent(interval=0.5) for p in spinners))")
    done = subprocess.run([sys.executable, str(TOOLS / "busy_neighbour.py"), "--",
                           sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)
    neighbour = int(done.stdout.split("pid ")[1].split()[0])
    assert float(done.stdout.strip().splitlines()[-1]) > 50  # a CPU kept busy
    assert not psutil.pid_exists(neighbour) or psutil.Process(neighbour).status() == "zombie"


def test_busy_neighbour_passes_the_exit_code_on():
    done = subprocess.run([sys.executable, str(TOOLS / "busy_neighbour.py"), "--",
                           sys.executable, "-c", "raise SystemExit(3)"], timeout=60)
    assert done.returncode == 3


def test_shell_tools_parse():
    for script in TOOLS.glob("*.sh"):
        assert subprocess.run(["bash", "-n", str(script)]).returncode == 0, script.name


def test_site_links_in_outputs_point_at_pages(tmp_path):
    sys.path.insert(0, str(TOOLS))
    try:
        from build_site import link_outputs
    finally:
        sys.path.remove(str(TOOLS))
    (tmp_path / "02_gil.html").write_text("")
    page = tmp_path / "00_start_here.html"
    page.write_text('<a href="02_gil.ipynb#setup">a</a> <a href="03_pools.ipynb">b</a> '
                    '<a href="../_sources/x.ipynb">c</a> <a href="https://x.org/y.ipynb">d</a>')
    assert link_outputs(tmp_path) == 1
    assert page.read_text() == ('<a href="02_gil.html#setup">a</a> <a href="03_pools.ipynb">b</a> '
                                '<a href="../_sources/x.ipynb">c</a> '
                                '<a href="https://x.org/y.ipynb">d</a>')
