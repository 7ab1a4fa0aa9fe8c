"""The CI matrix: declared once, run as declared, every axis value covered, checked at the end."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from helpers.course import ci_legs
from helpers.course.ci_legs import AXES, LEGS
from helpers.course.collection import EXECUTED, ROOT
from helpers.explorer import STATIC_SITE_VARIABLE


def make_recipe(target: str) -> str:
    """The lines of a Makefile target's recipe (tab-indented, up to the next blank line)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    found = re.search(rf"^{re.escape(target)}:[^\n]*\n((?:\t[^\n]*\n)+)", text, re.MULTILINE)
    assert found, f"no target {target} in the Makefile"
    return found.group(1)


def ci_steps() -> dict[str, str]:
    """``leg NAME COMMAND`` lines of .ci/run: the step's name and its command."""
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    return dict(re.findall(r"^(?:background_)?leg (\S+) ([^&\n]+?)\s*(?:&.*)?$", text,
                           re.MULTILINE))


def test_every_value_of_every_axis_runs_every_notebook():
    for axis, values in AXES.items():
        for value in values:
            legs = [leg for leg in LEGS if ci_legs.axis_value(leg, axis) == value
                    and (leg.passes > 0 or leg.front_end == "site")]
            assert legs, f"no leg runs the notebooks with {axis} = {value}"
    assert {getattr(leg, axis).split()[0] for leg in LEGS for axis in AXES} <= {
        value for values in AXES.values() for value in values}


def test_the_website_renders_the_copies_the_test_leg_wrote():
    """The site leg executes nothing: the host's test leg keeps each notebook for it."""
    site = next(leg for leg in LEGS if leg.front_end == "site")
    writers = [leg for leg in LEGS if f"{STATIC_SITE_VARIABLE}=1" in leg.command.split()]
    assert site.passes == 0 and [leg.name for leg in writers] == ["test"]
    test = writers[0]
    assert test.front_end == "nbval" and test.passes == 1
    assert (test.python, test.start_method, test.cpus) == (site.python, site.start_method,
                                                           site.cpus), "the same host and venv"
    assert "build/executed" in str(EXECUTED.relative_to(ROOT))
    assert 'REPORT.parent / "executed"' in (ROOT / "conftest.py").read_text(encoding="utf-8")


def test_ci_runs_each_leg_with_its_declared_command():
    steps = ci_steps()
    assert steps["test"].split()[-2:] == ["make", "test"], (
        ".ci/run must call the README's test command")
    assert "rerun" not in steps, "the rerun front end runs in the 3.14 chroot leg"
    for leg in LEGS:
        step = leg.name.split("-")[0]
        assert steps.get(step) == leg.command, f".ci/run step {step} is not {leg.command!r}"


def test_the_makefile_and_the_chroot_runner_run_the_declared_values():
    assert "MP_START_METHOD" not in make_recipe("unit")  # make test: lint, then unit
    browser = make_recipe("test-browser-spawn")
    assert "MP_START_METHOD=spawn" in browser and "PY313" in browser
    modern = [leg for leg in LEGS if leg.name.startswith("modern-")]
    spec = " ".join(f"{leg.python}:{leg.cpu_limit}:{leg.neighbour}:{leg.front_end}"
                    for leg in modern)
    runner = (ROOT / "tools" / "test_modern.sh").read_text(encoding="utf-8")
    assert f'legs=${{MODERN_LEGS:-"{spec}"}}' in runner
    assert "taskset -c 0" in runner and "busy_neighbour.py" in runner and "cpu_quota.py" in runner
    assert '[ "$front_end" = rerun ] && notebooks="-m rerun tests/rerun"' in runner
    assert "-m rerun tests/rerun" in make_recipe("test-rerun")  # the same, on the host
    assert "bash tools/test_modern.sh test" in make_recipe("test-modern")


@pytest.mark.parametrize("spec", ["3.14:affinity:quiet", "3.14:affinity:quiet:jupyterlab",
                                  "3.14:pinned:quiet:nbval"])
def test_the_chroot_runner_refuses_a_leg_it_cannot_run_as_declared(spec):
    """Checked before anything is mounted: the step name is invalid too, so nothing runs."""
    done = subprocess.run(["bash", str(ROOT / "tools" / "test_modern.sh"), "no-such-step"],
                          env={**os.environ, "MODERN_LEGS": f"3.15:quota:busy:nbval {spec}"},
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and f"MODERN_LEGS: '{spec}' is not" in done.stderr, done.stderr


def session(leg, **changes):
    entry = {"leg": leg.name, "python": f"{leg.python}.2", "start_method": leg.start_method,
             "cpus": leg.cpus, "neighbour": leg.neighbour, "front_end": leg.front_end,
             "notebooks": 16, "executed": 16 if leg.passes else 0, "passes": leg.passes,
             "seconds": 300.0, "notebook_seconds": 280.0}
    return {**entry, **changes}


def test_what_ran_is_compared_with_what_is_declared():
    ran = {leg.name: session(leg) for leg in LEGS}
    assert ci_legs.mismatches(ran.values(), notebooks=16) == []
    leg = {leg.name: leg for leg in LEGS}
    ran["browser"] = session(leg["browser"], python="3.11.7")  # 3.13 was missing: the host ran it
    ran["modern-3.14"] = session(leg["modern-3.14"], cpus="2",  # the pin did not hold
                                 front_end="nbval", passes=1)  # nor the runner's front end
    ran["site"] = session(leg["site"], executed=16)  # the site ran the notebooks again itself
    del ran["modern-3.15"]
    problems = ci_legs.mismatches(ran.values(), notebooks=16)
    assert problems == ["site: executed 16 notebooks, declared 0",
                        "browser: python is 3.11, declared 3.13",
                        "modern-3.14: cpus is 2, declared 1 (affinity)",
                        "modern-3.14: front_end is nbval, declared rerun",
                        "modern-3.15: no session recorded"]
    assert ci_legs.mismatches([session(leg) for leg in LEGS], notebooks=17)[0] == (
        "test: 16 of 17 notebooks")


def test_the_table_has_a_row_per_leg_and_per_install():
    steps = [{"name": "install-3.11", "seconds": 50},
             {"name": "test", "seconds": 520},
             {"name": "install-3.13", "seconds": 40, "background": True},
             {"name": "modern", "seconds": 700}]
    leg = {leg.name: leg for leg in LEGS}
    sessions = [session(leg["test"], seconds=480.0), session(leg["modern-3.14"]),
                session(leg["modern-3.15"])]
    lines = ci_legs.table(steps, sessions).splitlines()[2:]
    assert [line.split("|")[1].strip() for line in lines] == [
        "install-3.11", "test", "test", "install-3.13 (beside the next steps)", "modern",
        "modern", "modern"]
    assert "| modern | modern-3.14 | 3.14.2 | forkserver | 1 (affinity) | quiet | rerun | " \
           "16 × 2 |" in lines[4]
    assert lines[2].endswith("| 40 |")  # make test's installs, lint and start-up
    assert lines[-1].endswith("| 100 |")


def test_a_session_records_only_inside_a_ci_leg(tmp_path, monkeypatch):
    monkeypatch.setattr(ci_legs, "RECORDS", tmp_path)
    monkeypatch.delenv(ci_legs.LEG_VARIABLE, raising=False)
    ci_legs.record("nbval", notebooks=16, seconds=1.0)
    assert not (tmp_path / "sessions.jsonl").exists()
    monkeypatch.setenv(ci_legs.LEG_VARIABLE, "test")
    monkeypatch.setenv(ci_legs.NEIGHBOUR_VARIABLE, "busy")
    ci_legs.record("rerun", notebooks=16, seconds=12.34, passes=2)
    entry = json.loads((tmp_path / "sessions.jsonl").read_text())
    assert entry["leg"] == "test" and entry["neighbour"] == "busy" and entry["passes"] == 2
    assert entry["seconds"] == 12.3 and entry["cpus"] == ci_legs.cpus_here()


@pytest.mark.parametrize("cpus", ["2", "1 (affinity)"])
def test_axis_values_read_the_first_word(cpus):
    leg = LEGS[0].__class__(**{**LEGS[0].__dict__, "cpus": cpus})
    assert ci_legs.axis_value(leg, "cpus") == cpus.split()[0]
