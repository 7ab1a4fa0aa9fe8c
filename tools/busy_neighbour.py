"""Run a command while another process keeps one CPU busy, as on a learner's busy laptop.

    python tools/busy_neighbour.py -- python -m pytest notebooks

The neighbour is a plain Python loop in its own process, at normal priority; it stops when
the command ends, and by itself after ``--limit`` seconds at the latest. The command runs with
``COURSE_NEIGHBOUR=busy``, so the CI table can say where a neighbour really ran.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

SPIN = "import time\nend = time.monotonic() + {limit}\nwhile time.monotonic() < end:\n    pass\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=3600,
                        help="seconds after which the neighbour stops by itself")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    options = parser.parse_args(argv)
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("give the command to run after --")
    if not options.limit > 0:
        parser.error("--limit must be > 0 seconds")
    neighbour = subprocess.Popen([sys.executable, "-c", SPIN.format(limit=options.limit)])
    print(f"busy neighbour: pid {neighbour.pid} spins one CPU while the command runs",
          flush=True)
    try:
        return subprocess.call(command, env={**os.environ, "COURSE_NEIGHBOUR": "busy"})
    finally:
        neighbour.kill()
        neighbour.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
