"""Run a command under a CPU quota and a memory limit, as Binder and containers do.

    python tools/cpu_quota.py --cpus 1 --memory 2G -- python -m pytest notebooks

A CPU quota is not fewer CPUs. Within each scheduler period (100 ms) the command's threads may
run on every CPU until the quota is spent, then on none until the next period: short bursts of
parallelism, then throttling. ``taskset`` changes which CPUs a process may use (affinity); this
uses the cgroup CPU controller (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``), as Docker ``--cpus``,
Kubernetes limits and Binder do, and the memory controller (``memory.max``,
``memory.limit_in_bytes``). The group is made below the caller's own and removed afterwards,
with anything still in it. Linux and root only: elsewhere it says so and exits 2.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
PERIOD_US = 100_000


def own_group(controller: str) -> str:
    """This process's group in a hierarchy ("" names the v2 unified one)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(",") or (controller == "" and controllers == ""):
            return path
    return "/"


def make_groups(name: str, cpus: float, memory: int) -> list[Path]:
    """The new groups (v2: one; v1: a cpu and a memory group), limits written."""
    quota = str(int(cpus * PERIOD_US))
    if (CGROUP / "cgroup.controllers").exists():  # v2 only
        group = CGROUP / own_group("").lstrip("/") / name
        group.mkdir()
        (group / "cpu.max").write_text(f"{quota} {PERIOD_US}")
        (group / "memory.max").write_text(str(memory))
        return [group]
    cpu = CGROUP / "cpu" / own_group("cpu").lstrip("/") / name
    mem = CGROUP / "memory" / own_group("memory").lstrip("/") / name
    cpu.mkdir()
    mem.mkdir()
    (cpu / "cpu.cfs_period_us").write_text(str(PERIOD_US))
    (cpu / "cpu.cfs_quota_us").write_text(quota)
    (mem / "memory.limit_in_bytes").write_text(str(memory))
    return [cpu, mem]


def remove_groups(groups: list[Path]) -> None:
    """Kill what is left in the groups, then remove them."""
    for group in groups:
        for _ in range(50):
            pids = [int(p) for p in (group / "cgroup.procs").read_text().split()]
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.1)
        group.rmdir()


def size(text: str) -> int:
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1:].isalpha() else int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpus", type=float, default=1.0, help="the quota, in CPUs")
    parser.add_argument("--memory", type=size, default=size("2G"), help="e.g. 2G, 512M")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    options = parser.parse_args(argv)
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("give the command to run after --")
    if not options.cpus > 0 or options.memory <= 0:
        parser.error("--cpus and --memory must be > 0")
    if sys.platform != "linux" or os.geteuid() != 0:
        print("cpu_quota: needs Linux and root (cgroups); not run", file=sys.stderr)
        return 2
    groups = make_groups(f"course-quota-{os.getpid()}", options.cpus, options.memory)
    print(f"cpu quota: {options.cpus:g} CPU per {PERIOD_US // 1000} ms period, memory "
          f"{options.memory / 2**30:.1f} GiB, in {', '.join(map(str, groups))}", flush=True)

    def join() -> None:
        for group in groups:
            (group / "cgroup.procs").write_text(str(os.getpid()))

    try:
        return subprocess.call(command, preexec_fn=join)
    finally:
        remove_groups(groups)


if __name__ == "__main__":
    sys.exit(main())
