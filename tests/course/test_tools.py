"""The tools CI runs: busy neighbour, CPU quota, chroot runner, the site's link fixer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from helpers.course.collection import ROOT

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


@pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0
                    or (not Path("/sys/fs/cgroup/cpu").is_dir()
                        and not Path("/sys/fs/cgroup/cgroup.controllers").exists()),
                    reason="cgroup quotas need Linux, root and a cgroup file system")
def test_cpu_quota_gives_the_command_a_quota_it_can_read_and_cleans_up():
    probe = ("import json; from helpers import machine; "
             "print(json.dumps([machine.cpu_quota(), machine.effective_cpus()]))")
    done = subprocess.run([sys.executable, str(TOOLS / "cpu_quota.py"), "--cpus", "0.5",
                           "--memory", "1G", "--", sys.executable, "-c", probe],
                          capture_output=True, text=True, timeout=60, check=True)
    groups = done.stdout.split(" in ")[1].splitlines()[0].split(", ")
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [0.5, 1]
    assert groups and not any(Path(group).exists() for group in groups)


def test_cpu_quota_refuses_no_command():
    done = subprocess.run([sys.executable, str(TOOLS / "cpu_quota.py"), "--cpus", "1"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "give the command" in done.stderr
