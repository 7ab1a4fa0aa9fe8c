"""Unit tests of helpers.machine: CPU counts, container quota, start method, report."""

import multiprocessing
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import machine

START_METHODS = multiprocessing.get_all_start_methods()


def write_cgroup(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


# ---- cpu_quota ----

def test_cpu_quota_v2_max_means_no_quota(tmp_path):
    assert machine.cpu_quota(write_cgroup(tmp_path, {"cpu.max": "max 100000\n"})) is None


def test_cpu_quota_v2_reads_one_and_a_half_cpus(tmp_path):
    assert machine.cpu_quota(write_cgroup(tmp_path, {"cpu.max": "150000 100000\n"})) == 1.5


@given(quota=st.integers(1_000, 10**7), period=st.integers(1_000, 10**6))
def test_cpu_quota_v2_is_quota_over_period(quota, period):
    with tempfile.TemporaryDirectory() as folder:
        root = write_cgroup(Path(folder), {"cpu.max": f"{quota} {period}\n"})
        assert machine.cpu_quota(root) == quota / period


@given(quota=st.integers(1_000, 10**7), period=st.integers(1_000, 10**6))
def test_cpu_quota_v1_is_quota_over_period(quota, period):
    with tempfile.TemporaryDirectory() as folder:
        root = write_cgroup(Path(folder), {"cpu/cpu.cfs_quota_us": f"{quota}\n",
                                           "cpu/cpu.cfs_period_us": f"{period}\n"})
        assert machine.cpu_quota(root) == quota / period


def test_cpu_quota_v1_minus_one_means_no_quota(tmp_path):
    root = write_cgroup(tmp_path, {"cpu/cpu.cfs_quota_us": "-1\n",
                                   "cpu/cpu.cfs_period_us": "100000\n"})
    assert machine.cpu_quota(root) is None


def test_cpu_quota_falls_back_to_v1_when_v2_is_garbage(tmp_path):
    root = write_cgroup(tmp_path, {"cpu.max": "nonsense\n",
                                   "cpu/cpu.cfs_quota_us": "50000\n",
                                   "cpu/cpu.cfs_period_us": "100000\n"})
    assert machine.cpu_quota(root) == 0.5


@pytest.mark.parametrize("files", [
    {},
    {"cpu.max": "lots of cpus\n"},
    {"cpu.max": ""},
    {"cpu/cpu.cfs_quota_us": "abc\n", "cpu/cpu.cfs_period_us": "100000\n"},
    {"cpu/cpu.cfs_quota_us": "50000\n"},
], ids=["no files", "v2 words", "v2 empty", "v1 words", "v1 no period"])
def test_cpu_quota_of_garbage_or_missing_files_is_none(tmp_path, files):
    assert machine.cpu_quota(write_cgroup(tmp_path, files)) is None


@pytest.mark.parametrize("text", ["100000 0", "0 100000", "-50000 100000"],
                         ids=["zero period", "zero quota", "negative quota"])
def test_cpu_quota_of_nonsense_v2_numbers_is_none(tmp_path, text):
    assert machine.cpu_quota(write_cgroup(tmp_path, {"cpu.max": text})) is None


def test_cpu_quota_rejects_a_str_root():
    with pytest.raises(TypeError,
                       match=r"cgroup_root and proc_cgroup must be pathlib\.Path objects, got str"):
        machine.cpu_quota("/sys/fs/cgroup")


# ---- CPU counts ----

def test_effective_cpus_at_most_usable_at_most_cpu_count():
    assert 1 <= machine.effective_cpus() <= machine.usable_cpus() <= os.cpu_count()


def test_effective_cpus_rounds_a_fractional_quota_up_for_a_pool_size(monkeypatch):
    # Two busy workers spend a 1.5-CPU quota; one would leave half a CPU unused.
    monkeypatch.setattr(machine, "usable_cpus", lambda: 8)
    monkeypatch.setattr(machine, "cpu_quota", lambda: 1.5)
    assert machine.effective_cpus() == 2


@pytest.mark.parametrize("usable, quota, limit", [
    (8, 1.5, 1.5),  # the work a 1.5-CPU quota gives is 1.5 CPUs, not the pool size 2
    (8, 0.3, 0.3),  # a quota below one CPU is not raised to one either
    (2, 64.0, 2.0),  # a large quota never adds CPUs
    (3, None, 3.0),  # no quota: the affinity
])
def test_cpu_limit_keeps_a_fractional_quota(monkeypatch, usable, quota, limit):
    monkeypatch.setattr(machine, "usable_cpus", lambda: usable)
    monkeypatch.setattr(machine, "cpu_quota", lambda: quota)
    assert machine.cpu_limit() == limit
    assert isinstance(machine.cpu_limit(), float)
    assert machine.cpu_limit() <= machine.effective_cpus()


def test_cpu_limit_here_is_at_most_the_effective_cpus():
    assert 0 < machine.cpu_limit() <= machine.effective_cpus() <= machine.usable_cpus()


def test_effective_cpus_caps_real_usable_cpus_with_quota(monkeypatch):
    monkeypatch.setattr(machine, "cpu_quota", lambda: 1.5)
    assert machine.effective_cpus() == min(machine.usable_cpus(), 2)


def test_effective_cpus_is_at_least_one_under_a_small_quota(monkeypatch):
    monkeypatch.setattr(machine, "cpu_quota", lambda: 0.3)
    assert machine.effective_cpus() == 1


def test_effective_cpus_without_quota_is_usable_cpus(monkeypatch):
    monkeypatch.setattr(machine, "cpu_quota", lambda: None)
    assert machine.effective_cpus() == machine.usable_cpus()


def test_effective_cpus_never_raised_by_a_large_quota(monkeypatch):
    monkeypatch.setattr(machine, "usable_cpus", lambda: 2)
    monkeypatch.setattr(machine, "cpu_quota", lambda: 64.0)
    assert machine.effective_cpus() == 2


# ---- start method ----

@pytest.mark.parametrize("method", START_METHODS)
def test_start_method_honours_the_variable(monkeypatch, method):
    monkeypatch.setenv("MP_START_METHOD", method)
    assert machine.start_method() == method


@pytest.mark.parametrize("method", START_METHODS)
def test_mp_context_uses_the_variable(monkeypatch, method):
    monkeypatch.setenv("MP_START_METHOD", f" {method} ")
    assert machine.mp_context().get_start_method() == method


def test_start_method_without_variable_is_the_platform_default(monkeypatch):
    monkeypatch.delenv("MP_START_METHOD", raising=False)
    assert machine.start_method() == multiprocessing.get_start_method()


def test_start_method_rejects_a_bogus_value_naming_the_variable(monkeypatch):
    monkeypatch.setenv("MP_START_METHOD", "teleport")
    with pytest.raises(ValueError, match=r"MP_START_METHOD='teleport' is not a start method"):
        machine.start_method()


def test_mp_context_rejects_a_bogus_value(monkeypatch):
    monkeypatch.setenv("MP_START_METHOD", "teleport")
    with pytest.raises(ValueError, match="MP_START_METHOD"):
        machine.mp_context()


def test_gil_enabled_is_a_bool():
    assert machine.gil_enabled() in (True, False)


# ---- collect and report ----

def test_collect_matches_the_functions(monkeypatch):
    monkeypatch.delenv("MP_START_METHOD", raising=False)
    facts = machine.collect()
    assert (facts.cpus, facts.usable_cpus, facts.cpu_count, facts.start_method) == (
        machine.effective_cpus(), machine.usable_cpus(), os.cpu_count(),
        machine.start_method())
    assert facts.numba_threading_layer is None


def test_collect_with_numba_names_a_threading_layer():
    assert isinstance(machine.collect(numba=True).numba_threading_layer, str)


def test_collect_rejects_a_non_bool_numba():
    with pytest.raises(TypeError, match="numba must be True or False, got 'yes'"):
        machine.collect(numba="yes")


def test_report_prints_the_facts_and_returns_them(capsys, monkeypatch):
    monkeypatch.delenv("MP_START_METHOD", raising=False)
    facts = machine.report()
    lines = capsys.readouterr().out.splitlines()
    assert isinstance(facts, machine.MachineFacts)
    assert len(lines) == 4
    assert lines[0].startswith(f"Python {facts.python} ")
    assert lines[1].startswith("GIL: ")
    assert lines[2].endswith(f"effective CPUs = {facts.cpus}")
    assert lines[3] == f"multiprocessing start method: {facts.start_method}"


def test_report_says_when_the_start_method_comes_from_the_variable(capsys, monkeypatch):
    monkeypatch.setenv("MP_START_METHOD", "spawn")
    machine.report()
    assert "start method: spawn (from $MP_START_METHOD)" in capsys.readouterr().out


def test_report_shows_the_quota(capsys, monkeypatch):
    monkeypatch.setattr(machine, "cpu_quota", lambda: 1.5)
    machine.report()
    out = capsys.readouterr().out
    assert "container quota=1.5 CPUs" in out
    if machine.usable_cpus() >= 2:  # the pool size is rounded up, the work it gets is not
        assert "effective CPUs = 2" in out
        assert ("2 busy worker(s) can spend it, yet together they get at most 1.5 CPUs' worth of "
                "work (cpu_limit())") in out


def test_report_with_numba_adds_a_line(capsys):
    machine.report(numba=True)
    assert "numba threading layer: " in capsys.readouterr().out


def test_report_rejects_a_non_bool_numba():
    with pytest.raises(TypeError, match="numba must be True or False"):
        machine.report(numba=1)


# ---- the process's own cgroup, and the interpreter's CPU count ----

def test_cpu_quota_reads_the_process_own_v2_group_and_those_above(tmp_path):
    root = write_cgroup(tmp_path / "fs", {"cpu.max": "max 100000\n",
                                          "user.slice/cpu.max": "300000 100000\n",
                                          "user.slice/session/cpu.max": "max 100000\n"})
    own = write_cgroup(tmp_path, {"self-cgroup": "0::/user.slice/session\n"}) / "self-cgroup"
    assert machine.cpu_quota(root, own) == 3.0


def test_cpu_quota_takes_the_smallest_quota_on_the_way_up(tmp_path):
    root = write_cgroup(tmp_path / "fs", {"cpu.max": "400000 100000\n",
                                          "box/cpu.max": "50000 100000\n"})
    own = write_cgroup(tmp_path, {"self-cgroup": "0::/box\n"}) / "self-cgroup"
    assert machine.cpu_quota(root, own) == 0.5


def test_cpu_quota_reads_the_process_own_v1_group(tmp_path):
    root = write_cgroup(tmp_path / "fs", {"cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "150000\n",
                                          "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n"})
    own = write_cgroup(tmp_path, {"self-cgroup": "4:cpu,cpuacct:/docker/abc\n0::/\n"})
    assert machine.cpu_quota(root, own / "self-cgroup") == 1.5


def test_usable_cpus_honours_the_interpreter_cpu_count(monkeypatch):
    """Python 3.13's os.process_cpu_count() honours PYTHON_CPU_COUNT and -X cpu_count."""
    monkeypatch.setattr(os, "process_cpu_count", lambda: 1, raising=False)
    assert machine.usable_cpus() == 1


@pytest.mark.skipif(not hasattr(os, "process_cpu_count"), reason="Python 3.13+ only")
def test_python_cpu_count_reaches_usable_cpus():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-c", "from helpers.machine import usable_cpus; "
                          "print(usable_cpus())"], env={**os.environ, "PYTHON_CPU_COUNT": "1"},
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "1"


def test_the_report_says_what_a_quota_means(monkeypatch, capsys):
    monkeypatch.setattr(machine, "cpu_quota", lambda: 1.0)
    facts = machine.report()
    lines = capsys.readouterr().out.splitlines()
    assert facts.cpus == 1 and "container quota=1 CPUs -> effective CPUs = 1" in lines[2]
    assert lines[3].startswith("  a quota is CPU time, not CPUs") and "bursts" in lines[3]
