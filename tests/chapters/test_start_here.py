"""Unit tests of helpers.start_here.experiment: the environment checks, the course map, its
metadata."""

import json
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from helpers.capacity import Capacity
from helpers.course import collection
from helpers.machine import MachineFacts, collect, effective_cpus
from helpers.scripts import run_script
from helpers.start_here import experiment
from helpers.start_here.experiment import Check

ROOT = Path(__file__).resolve().parents[2]


def facts(cpus: int, cpu_count: int = 4) -> MachineFacts:
    return MachineFacts("3.12.1", "CPython", "Linux x86_64", True, cpu_count, cpus, None, cpus,
                        "fork")


@pytest.mark.parametrize(("version", "verdict"), [
    ((3, 11, 0), "ok"), ((3, 14, 0), "ok"), ((3, 10, 9), "problem"), ((2, 7, 18), "problem")])
def test_python_check(version, verdict):
    assert experiment.python_check(version).verdict == verdict


def test_python_check_of_this_interpreter_is_ok():
    assert experiment.python_check().verdict == "ok"
    with pytest.raises(TypeError, match="tuple of ints"):
        experiment.python_check(("3", "12"))


def test_check_rejects_unknown_verdict():
    with pytest.raises(ValueError, match="verdict must be one of"):
        Check("x", "y", "fine")


def test_requirements_come_from_pyproject(tmp_path):
    names = [r.name for r in experiment.requirements()]
    assert {"numpy", "numba", "psutil", "matplotlib"} <= set(names)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["numpy>=1.0", "psutil",'
                         ' "pywin32>=300; sys_platform == \'never\'"]\n')
    found = experiment.requirements(pyproject)
    assert [(r.name, str(r.specifier)) for r in found] == [("numpy", ">=1.0"), ("psutil", "")]
    with pytest.raises(TypeError, match=r"pathlib\.Path"):
        experiment.requirements(str(pyproject))


def test_package_check_verdicts():
    assert experiment.package_check(Requirement("numpy>=1.0,<99")).verdict == "ok"
    assert experiment.package_check(Requirement("numpy>=99")).verdict == "warning"
    assert experiment.package_check(Requirement("numpy<1")).verdict == "warning"
    missing = experiment.package_check(Requirement("no-such-package-here-xyz"))
    assert missing.verdict == "problem" and "make lab" in missing.advice
    with pytest.raises(TypeError, match="Requirement"):
        experiment.package_check("numpy")


def test_every_course_requirement_is_ok_here():
    for requirement in experiment.requirements():
        assert experiment.package_check(requirement).verdict == "ok", requirement


def test_start_method_check_starts_a_process():
    check = experiment.start_method_check(timeout=60)
    assert check.verdict == "ok" and "pid" in check.advice


def test_cpu_check():
    assert experiment.cpu_check(facts(2)).verdict == "ok"
    one = experiment.cpu_check(facts(1))
    assert one.verdict == "warning" and "os.cpu_count()" in one.advice
    assert experiment.cpu_check(collect()).found.startswith(f"effective {effective_cpus()}")
    with pytest.raises(TypeError, match="MachineFacts"):
        experiment.cpu_check({"cpus": 2})


def capacity(cpus: float) -> Capacity:
    return Capacity(cpus=cpus, rounds=(cpus,), k=2, kind="processes", seconds=0.2)


def test_cpu_check_reads_the_capacity_measured_now():
    # Two CPUs that give 1.9 are fine; two that give 1.3 (steal, neighbours) are a warning that
    # names the figure; one CPU stays a warning, with the capacity beside it.
    full = experiment.cpu_check(facts(2), capacity=capacity(1.9))
    assert full.verdict == "ok" and "1.90 CPUs' worth" in full.advice
    assert "now 2 copies" in full.found
    shared = experiment.cpu_check(facts(2), capacity=capacity(1.3))
    assert shared.verdict == "warning" and "gave 1.30 CPUs' worth" in shared.advice
    one = experiment.cpu_check(facts(1), capacity=capacity(1.0))
    assert one.verdict == "warning" and "1.00 CPUs' worth" in one.advice
    with pytest.raises(TypeError, match="Capacity"):
        experiment.cpu_check(facts(2), capacity=1.5)


@pytest.mark.parametrize(("layer", "verdict"), [
    ("tbb", "ok"), ("omp", "ok"), ("workqueue", "ok"), ("something", "warning")])
def test_numba_verdict_layers(layer, verdict):
    out = json.dumps({"numba": "0.61", "layer": layer, "threads": 2, "value": 499500.0})
    assert experiment.numba_verdict(out, 0).verdict == verdict


def test_numba_verdict_failures():
    assert experiment.numba_verdict("", 1).verdict == "problem"
    assert experiment.numba_verdict("not json", 0).verdict == "problem"
    wrong = json.dumps({"layer": "tbb", "value": 3.0})
    assert experiment.numba_verdict(wrong, 0).verdict == "problem"
    with pytest.raises(TypeError):
        experiment.numba_verdict(None, 0)


def test_numba_probe_really_runs():
    result = run_script(ROOT / "notebooks" / "scripts" / "00_numba_probe.py", timeout=120)
    assert experiment.numba_verdict(result.stdout, result.returncode).verdict == "ok"


def test_checks_table_escapes_and_marks():
    table = experiment.checks_table([Check("a<b", "x", "problem", "fix & retry")])
    assert "a&lt;b" in table and "✘ problem" in table and "fix &amp; retry" in table
    with pytest.raises(TypeError):
        experiment.checks_table([])


def test_verdict_counts():
    checks = [Check("a", "", "ok"), Check("b", "", "ok"), Check("c", "", "problem")]
    assert experiment.verdict_counts(checks) == {"ok": 2, "warning": 0, "problem": 1}
    with pytest.raises(TypeError):
        experiment.verdict_counts(["ok"])


def info(number: str, minutes: int = 10, seconds: int = 20) -> collection.NotebookInfo:
    return collection.NotebookInfo(Path(f"{number}_x.ipynb"), f"Title {number}", "Sum.",
                                   minutes, seconds, number == "01", False)


def test_notebook_table_has_a_row_per_notebook_and_totals():
    table = experiment.notebook_table([info("01"), info("02", 5, 7)])
    lines = table.splitlines()
    assert len(lines) == 2 + 2 + 1
    assert "[Title 01](01_x.ipynb)" in lines[2] and "| yes |" in lines[2]
    assert "15 min" in lines[-1] and "~27 s" in lines[-1]
    with pytest.raises(TypeError):
        experiment.notebook_table(["01"])


def test_notebook_table_of_the_real_collection():
    infos = collection.notebooks()
    assert all(nb.title in experiment.notebook_table(infos) for nb in infos)


def test_plan_path_sums_what_exists():
    plan = experiment.plan_path("p", ("00", "01", "02"), [info("01", 10, 20), info("02", 5, 7)])
    assert (plan.present, plan.missing, plan.minutes_read, plan.seconds_run) == (
        ("01", "02"), ("00",), 15, 27)
    with pytest.raises(ValueError, match="two-digit"):
        experiment.plan_path("p", ("1",), [])
    with pytest.raises(TypeError):
        experiment.plan_path("", ("01",), [])
    table = experiment.paths_table([plan], [info("01"), info("02")])
    assert "01 Title 01, 02 Title 02" in table and "| 00 |" in table


def test_the_course_metadata_keeps_its_promises():
    """Moved from notebook 00: every notebook runs in a minute, and the class fits 90 minutes."""
    infos = collection.notebooks()
    assert all(0 < nb.seconds_run <= 60 for nb in infos)
    plans = [experiment.plan_path(name, numbers, infos)
             for name, numbers in experiment.PATHS.items()]
    assert plans[0].minutes_read <= 90
