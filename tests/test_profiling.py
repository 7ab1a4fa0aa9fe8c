"""Tests of notebook 01's helpers: the profiled pool worker, py-spy's stacks and its failures."""

from __future__ import annotations

import cProfile
import os
import pstats
import stat
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from helpers import profiling

SCRIPT = Path(__file__).parents[1] / "notebooks" / "scripts" / "01_wait_and_threads.py"


def test_hot_work_and_its_profile(tmp_path: Path):
    assert profiling.hot_work(10) == sum(i * i % 7 for i in range(10))
    path = tmp_path / "one.prof"
    assert profiling.profiled_task((1000, str(path))) == profiling.hot_work(1000)
    names = {key[2] for key in pstats.Stats(str(path)).stats}
    assert "hot_work" in names


def test_profiled_task_runs_in_a_pool(tmp_path: Path):
    from helpers.machine import mp_context

    tasks = [(n, str(tmp_path / f"{n}.prof")) for n in (100, 200)]
    with mp_context().Pool(2) as pool:
        values = pool.map_async(profiling.profiled_task, tasks).get(timeout=60)
    assert values == [profiling.hot_work(n) for n, _ in tasks]
    merged = pstats.Stats(*[path for _, path in tasks])
    assert next(row[1] for key, row in merged.stats.items() if key[2] == "hot_work") == 2


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _other_thread_progress(guarded: bool) -> int:
    """How many loops a CPU-bound second thread makes while this one spins for 0.1 s."""
    stop, counter = threading.Event(), [0]

    def count() -> None:
        while not stop.is_set():
            counter[0] += 1

    worker = threading.Thread(target=count)
    worker.start()
    time.sleep(0.02)  # the counter is running
    try:
        if guarded:  # the counter holds the GIL after keep_gil's sleep: 1 s until it drops it
            with profiling.keep_gil(1.0):
                before = counter[0]
                _spin(0.1)
                after = counter[0]
        else:
            before = counter[0]
            _spin(0.1)
            after = counter[0]
    finally:
        stop.set()
        worker.join(timeout=10)
    return after - before


def test_keep_gil_keeps_other_threads_out_of_a_cpu_bound_block():
    interval = sys.getswitchinterval()
    assert _other_thread_progress(guarded=False) > 0  # the switch interval (5 ms) lets it in
    assert _other_thread_progress(guarded=True) == 0
    assert sys.getswitchinterval() == interval


def test_keep_gil_restores_the_interval_after_an_error_and_checks_its_argument():
    interval = sys.getswitchinterval()
    with pytest.raises(KeyError), profiling.keep_gil(5.0):
        assert sys.getswitchinterval() == 5.0
        raise KeyError("inside")
    assert sys.getswitchinterval() == interval
    with pytest.raises(ValueError, match="seconds must be > 0"), profiling.keep_gil(0):
        pass
    with pytest.raises(TypeError, match="seconds must be a number"), profiling.keep_gil("1"):
        pass


def _leaf(n: int) -> int:
    return n + 1


def _middle(n: int) -> int:
    return sum(_leaf(i) for i in range(n))


def test_call_edges_are_the_programs_calls():
    profile = cProfile.Profile()
    profile.runcall(_middle, 10)
    edges = profiling.call_edges(pstats.Stats(profile))
    assert ("_middle", "<built-in method builtins.sum>") in edges
    assert ("<genexpr>", "_leaf") in edges
    assert all(callee != "_middle" for _, callee in edges)  # the entry point has no caller
    assert profiling.call_edges(pstats.Stats(profile), __file__) == {
        ("<built-in method builtins.sum>", "<genexpr>"), ("<genexpr>", "_leaf")}
    with pytest.raises(TypeError, match=r"pstats\.Stats"):
        profiling.call_edges(profile)
    with pytest.raises(TypeError, match="into_file"):
        profiling.call_edges(pstats.Stats(profile), Path(__file__))


def test_collapsed_stacks_parses_py_spy_raw():
    text = ("thread (11): MainThread;<module> (s.py:40);main (s.py:35);crunch (s.py:22) 7\n"
            "thread (12): background;Thread.run (threading.py:9);background (s.py:26) 3\n"
            "thread (11);_find_and_load (<frozen>:1) 1\n"
            "garbage line\n\n"
            "main (s.py:35);crunch (s.py:22) 2\n")
    plain = profiling.collapsed_stacks(text)
    assert plain[("<module>", "main", "crunch")] == 7
    assert plain[("main", "crunch")] == 2
    assert sum(plain.values()) == 13
    threads = profiling.collapsed_stacks(text, threads=True)
    assert threads[("thread background", "Thread.run", "background")] == 3
    assert threads[("thread 11", "_find_and_load")] == 1
    with pytest.raises(TypeError):
        profiling.collapsed_stacks(b"bytes")


def test_share_of():
    stacks = {("a", "b"): 3, ("a",): 1}
    assert profiling.share_of(stacks, "b") == 0.75
    assert profiling.share_of(stacks, "a") == 1.0
    assert profiling.share_of({}, "a") == 0.0


def _frame(function, time, children=()):
    return SimpleNamespace(function=function, time=time, children=list(children))


def test_stacks_from_pyinstrument_keeps_own_time():
    root = _frame("main", 1.0, [_frame("hot", 0.7, [_frame("[self]", 0.7)]),
                                _frame("cold", 0.2), _frame("[self]", 0.1)])
    stacks = profiling.stacks_from_pyinstrument(root)
    assert stacks == pytest.approx({("main",): 0.1, ("main", "hot"): 0.7, ("main", "cold"): 0.2})
    assert sum(stacks.values()) == pytest.approx(root.time)


def _fake_spy(tmp_path: Path, body: str) -> str:
    fake = tmp_path / "py-spy"
    fake.write_text(f"#!{sys.executable}\n{body}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return str(fake)


@pytest.mark.skipif(os.name == "nt", reason="a fake executable script needs a POSIX shebang")
def test_record_says_what_to_do_without_ptrace(tmp_path: Path):
    fake = _fake_spy(tmp_path, "import sys\nprint('Error: Permission Denied (os error 13)', "
                               "file=sys.stderr)\nsys.exit(1)")
    run = profiling.record(SCRIPT, tmp_path / "out.txt", executable=fake, timeout=10)
    assert not run.ok and not run.stacks
    assert "Permission Denied" in run.message and "SYS_PTRACE" in run.message
    assert "ptrace_scope" in run.message and "sudo" in run.message


@pytest.mark.skipif(os.name == "nt", reason="a fake executable script needs a POSIX shebang")
def test_record_stops_a_hanging_py_spy(tmp_path: Path):
    fake = _fake_spy(tmp_path, "import time\ntime.sleep(30)")
    run = profiling.record(SCRIPT, tmp_path / "out.txt", executable=fake, timeout=0.5)
    assert not run.ok and "stopped after 0.5 s" in run.message


@pytest.mark.skipif(os.name == "nt", reason="a fake executable script needs a POSIX shebang")
def test_record_reads_what_py_spy_wrote(tmp_path: Path):
    fake = _fake_spy(tmp_path, "import sys\nout = sys.argv[sys.argv.index('--output') + 1]\n"
                               "open(out, 'w').write('main (s.py:1);crunch (s.py:2) 5\\n')")
    run = profiling.record(SCRIPT, tmp_path / "out.txt", executable=fake, timeout=10)
    assert run.ok and run.stacks == {("main", "crunch"): 5}
    assert run.command[0] == fake and "--format" in run.command


def test_record_when_py_spy_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(profiling, "py_spy_executable", lambda: None)
    run = profiling.record(SCRIPT, tmp_path / "out.txt")
    assert not run.ok and "pip install py-spy" in run.message


def test_record_checks_its_arguments(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        profiling.record(tmp_path / "missing.py", tmp_path / "out.txt")
    with pytest.raises(ValueError):
        profiling.record(SCRIPT, tmp_path / "out.txt", rate=0)
    with pytest.raises(ValueError):
        profiling.record(SCRIPT, tmp_path / "out.txt", timeout=0)


@pytest.mark.skipif(profiling.py_spy_executable() is None, reason="py-spy is not installed")
def test_real_py_spy_records_the_script_or_explains(tmp_path: Path):
    run = profiling.record(SCRIPT, tmp_path / "out.txt", options=["--threads"], timeout=30)
    if run.ok:
        assert profiling.share_of(run.stacks, "crunch") > 0.1
    else:
        assert "py-spy" in run.message


def test_the_variable_names_another_py_spy(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(profiling.PY_SPY_VARIABLE, "/somewhere/py-spy")
    assert profiling.py_spy_executable() == "/somewhere/py-spy"
    monkeypatch.delenv(profiling.PY_SPY_VARIABLE)
    found = profiling.py_spy_executable()
    assert found is None or Path(found).name.startswith("py-spy")
