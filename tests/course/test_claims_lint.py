"""No speed or time claim rests on bare ``expect``: it goes through ``helpers.claims.claim``.

An ``expect`` whose condition reads a measured time, speed, ratio or load (a name such as
``seconds``, ``speedup``, ``median``, ``cpus_busy``) is a timing claim: a busy moment can break
it, so it must be measured again before it is called a miss, and a learner must see a ⚠ rather
than an exception. A fact that happens to use such a name is renamed. Run it on one notebook
while converting: ``python tests/course/test_claims_lint.py notebooks/02_gil.ipynb``.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
# A name is split into words (snake_case and CamelCase); a word that starts with one of these
# makes it a timing name (so ``pool_seconds`` and ``cpus_busy`` are, ``RuntimeError`` is not).
TIMING_WORDS = ("second", "speed", "time", "elapsed", "wall", "busy", "median", "throughput",
                "faster", "slower", "gain", "overhead", "ratio", "latency", "duration",
                "makespan", "efficien")
UNITS = {"ms", "us"}  # not "ns": a list of n values is often called ns


def is_timing(name: str) -> bool:
    words = [word.lower() for word in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)]
    return any(word in UNITS or word.startswith(TIMING_WORDS) for word in words)


def timing_expects(path: Path) -> list[str]:
    """``cell N: expect(...)`` for each expect whose condition reads a timing name."""
    found = []
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                         for line in source.splitlines())
        for node in ast.walk(ast.parse(code)):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "expect"
                    and node.args):
                continue
            names = {n.id for n in ast.walk(node.args[0]) if isinstance(n, ast.Name)}
            names |= {n.attr for n in ast.walk(node.args[0]) if isinstance(n, ast.Attribute)}
            timing = sorted(name for name in names if is_timing(name))
            if timing:
                found.append(f"cell {index}: expect({ast.get_source_segment(code, node.args[0])})"
                             f" reads {', '.join(timing)}")
    return found


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")),
                         ids=lambda path: path.stem)
def test_no_timing_claim_rests_on_bare_expect(path):
    assert timing_expects(path) == []


def test_the_lint_finds_a_timing_expect_and_passes_a_fact(tmp_path):
    cells = [{"cell_type": "code", "source": "expect(pool_seconds < 2 * one_seconds, 'x')"},
             {"cell_type": "code", "source": "expect(results == expected, 'same')"},
             {"cell_type": "code", "source": "%time x = 1\nexpect(run.speedup > 1.5, 'y')"}]
    notebook = tmp_path / "99_x.ipynb"
    notebook.write_text(json.dumps({"cells": cells}))
    assert [is_timing(name) for name in ("RuntimeError", "again", "hit_rates", "ns",
                                         "per_call_ms", "cpus_busy", "speedup", "SPEEDUP_WHY")] == [
        False, False, False, False, True, True, True, True]
    assert timing_expects(notebook) == [
        "cell 0: expect(pool_seconds < 2 * one_seconds) reads one_seconds, pool_seconds",
        "cell 2: expect(run.speedup > 1.5) reads speedup"]


if __name__ == "__main__":
    for name in sys.argv[1:]:
        for line in timing_expects(Path(name)):
            print(f"{name} {line}")
