"""Tests of notebook 01's helpers: the profiled pool worker (workers), py-spy's stacks and
its failures (experiment), the icicle and the overhead bars (figures), and the exercises'
answers and cases (answers)."""

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

import matplotlib
import pytest

from helpers.exercises import choose_labels, compare_with_reference, passes
from helpers.plots import WORSE
from helpers.profiling import answers, experiment, figures, workers
from helpers.timing import keep_gil

SCRIPT = Path(__file__).parents[2] / "notebooks" / "scripts" / "01_wait_and_threads.py"


def test_hot_work_and_its_profile(tmp_path: Path):
    assert workers.hot_work(10) == sum(i * i % 7 for i in range(10))
    path = tmp_path / "one.prof"
    assert workers.profiled_task((1000, str(path))) == workers.hot_work(1000)
    names = {key[2] for key in pstats.Stats(str(path)).stats}
    assert "hot_work" in names


def test_profiled_task_runs_in_a_pool(tmp_path: Path):
    from helpers.machine import mp_context

    tasks = [(n, str(tmp_path / f"{n}.prof")) for n in (100, 200)]
    with mp_context().Pool(2) as pool:
        values = pool.map_async(workers.profiled_task, tasks).get(timeout=60)
    assert values == [workers.hot_work(n) for n, _ in tasks]
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
            with keep_gil(1.0):
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
    with pytest.raises(KeyError), keep_gil(5.0):
        assert sys.getswitchinterval() == 5.0
        raise KeyError("inside")
    assert sys.getswitchinterval() == interval
    with pytest.raises(ValueError, match="seconds must be > 0"), keep_gil(0):
        pass
    with pytest.raises(TypeError, match="seconds must be a number"), keep_gil("1"):
        pass


def _leaf(n: int) -> int:
    return n + 1


def _middle(n: int) -> int:
    return sum(_leaf(i) for i in range(n))


def test_call_edges_are_the_programs_calls():
    profile = cProfile.Profile()
    profile.runcall(_middle, 10)
    edges = experiment.call_edges(pstats.Stats(profile))
    assert ("_middle", "<built-in method builtins.sum>") in edges
    assert ("<genexpr>", "_leaf") in edges
    assert all(callee != "_middle" for _, callee in edges)  # the entry point has no caller
    assert experiment.call_edges(pstats.Stats(profile), __file__) == {
        ("<built-in method builtins.sum>", "<genexpr>"), ("<genexpr>", "_leaf")}
    with pytest.raises(TypeError, match=r"pstats\.Stats"):
        experiment.call_edges(profile)
    with pytest.raises(TypeError, match="into_file"):
        experiment.call_edges(pstats.Stats(profile), Path(__file__))


def test_collapsed_stacks_parses_py_spy_raw():
    text = ("thread (11): MainThread;<module> (s.py:40);main (s.py:35);crunch (s.py:22) 7\n"
            "thread (12): background;Thread.run (threading.py:9);background (s.py:26) 3\n"
            "thread (11);_find_and_load (<frozen>:1) 1\n"
            "garbage line\n\n"
            "main (s.py:35);crunch (s.py:22) 2\n")
    plain = experiment.collapsed_stacks(text)
    assert plain[("<module>", "main", "crunch")] == 7
    assert plain[("main", "crunch")] == 2
    assert sum(plain.values()) == 13
    threads = experiment.collapsed_stacks(text, threads=True)
    assert threads[("thread background", "Thread.run", "background")] == 3
    assert threads[("thread 11", "_find_and_load")] == 1
    with pytest.raises(TypeError):
        experiment.collapsed_stacks(b"bytes")


def test_share_of():
    stacks = {("a", "b"): 3, ("a",): 1}
    assert experiment.share_of(stacks, "b") == 0.75
    assert experiment.share_of(stacks, "a") == 1.0
    assert experiment.share_of({}, "a") == 0.0


def _frame(function, time, children=()):
    return SimpleNamespace(function=function, time=time, children=list(children))


def test_stacks_from_pyinstrument_keeps_own_time():
    root = _frame("main", 1.0, [_frame("hot", 0.7, [_frame("[self]", 0.7)]),
                                _frame("cold", 0.2), _frame("[self]", 0.1)])
    stacks = experiment.stacks_from_pyinstrument(root)
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
    run = experiment.record(SCRIPT, tmp_path / "out.txt", executable=fake, timeout=10)
    assert not run.ok and not run.stacks
    assert "Permission Denied" in run.message and "SYS_PTRACE" in run.message
    assert "ptrace_scope" in run.message and "sudo" in run.message


@pytest.mark.skipif(os.name == "nt", reason="a fake executable script needs a POSIX shebang")
def test_record_stops_a_hanging_py_spy(tmp_path: Path):
    fake = _fake_spy(tmp_path, "import time\ntime.sleep(30)")
    run = experiment.record(SCRIPT, tmp_path / "out.txt", executable=fake, timeout=0.5)
    assert not run.ok and "stopped after 0.5 s" in run.message


@pytest.mark.skipif(os.name == "nt", reason="a fake executable script needs a POSIX shebang")
def test_record_reads_what_py_spy_wrote(tmp_path: Path):
    fake = _fake_spy(tmp_path, "import sys\nout = sys.argv[sys.argv.index('--output') + 1]\n"
                               "open(out, 'w').write('main (s.py:1);crunch (s.py:2) 5\\n')")
    run = experiment.record(SCRIPT, tmp_path / "out.txt", executable=fake, timeout=10)
    assert run.ok and run.stacks == {("main", "crunch"): 5}
    assert run.command[0] == fake and "--format" in run.command


def test_record_when_py_spy_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(experiment, "py_spy_executable", lambda: None)
    run = experiment.record(SCRIPT, tmp_path / "out.txt")
    assert not run.ok and "pip install py-spy" in run.message


def test_record_checks_its_arguments(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        experiment.record(tmp_path / "missing.py", tmp_path / "out.txt")
    with pytest.raises(ValueError):
        experiment.record(SCRIPT, tmp_path / "out.txt", rate=0)
    with pytest.raises(ValueError):
        experiment.record(SCRIPT, tmp_path / "out.txt", timeout=0)


@pytest.mark.skipif(experiment.py_spy_executable() is None, reason="py-spy is not installed")
def test_real_py_spy_records_the_script_or_explains(tmp_path: Path):
    run = experiment.record(SCRIPT, tmp_path / "out.txt", options=["--threads"], timeout=30)
    if run.ok:
        assert experiment.share_of(run.stacks, "crunch") > 0.1
    else:
        assert "py-spy" in run.message


def test_the_variable_names_another_py_spy(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(experiment.PY_SPY_VARIABLE, "/somewhere/py-spy")
    assert experiment.py_spy_executable() == "/somewhere/py-spy"
    monkeypatch.delenv(experiment.PY_SPY_VARIABLE)
    found = experiment.py_spy_executable()
    assert found is None or Path(found).name.startswith("py-spy")


matplotlib.use("Agg")


def test_icicle_widths_are_shares():
    ax = figures.icicle({("main", "hot"): 3, ("main", "cold"): 1, ("main",): 0},
                                highlight="hot")
    widths = {round(patch.get_width(), 3) for patch in ax.patches}
    assert widths == {1.0, 0.75, 0.25}
    highlighted = [p for p in ax.patches if matplotlib.colors.to_hex(p.get_facecolor()) ==
                   matplotlib.colors.to_hex(WORSE)]
    assert len(highlighted) == 1 and round(highlighted[0].get_width(), 2) == 0.75


def test_icicle_merges_stacks_by_name():
    ax = figures.icicle({("a", "b", "c"): 1, ("a", "b"): 1, ("a", "d"): 2})
    assert len(ax.patches) == 4  # a, b, c, d


def test_icicle_refuses_nothing():
    with pytest.raises(ValueError):
        figures.icicle({})


def test_overhead_bars():
    ax = figures.overhead_bars({"calls": 4.0, "inline": 1.1}, title="t")
    assert [round(p.get_width(), 1) for p in ax.patches] == [4.0, 1.1]
    with pytest.raises(ValueError):
        figures.overhead_bars({})


def _slow(orders):  # the stub cell's program, as a learner receives it
    def rate(currency):
        return {code: value for code, value in answers.RATE_ROWS}[currency]
    return [f"{sum(q * p * rate(c) for q, p, c in order):,.2f} EUR" for order in orders]


def test_reference_equals_the_slow_program():
    assert passes(compare_with_reference, _slow, answers.invoice_totals_reference, answers.CASES)


def test_a_wrong_repair_fails():
    def rounded_early(orders):
        rates = dict(answers.RATE_ROWS)
        return [f"{sum(round(q * p * rates[c], 0) for q, p, c in o):,.2f} EUR" for o in orders]
    assert not passes(compare_with_reference, rounded_early, answers.invoice_totals_reference,
                      answers.CASES)


def test_roles_have_three_labels_and_reasons():
    assert set(answers.ROLES.values()) == {"hot spot", "calls the hot spot", "cheap"}
    assert set(answers.WHY) == set(answers.ROLES)
    assert passes(choose_labels, dict(answers.ROLES), answers.ROLES, why=answers.WHY)
    wrong = {**answers.ROLES, "line_total": "hot spot"}
    assert not passes(choose_labels, wrong, answers.ROLES, why=answers.WHY)


def test_orders_are_deterministic_and_use_known_currencies():
    assert answers.make_orders(3, 4) == answers.make_orders(3, 4)
    codes = {code for code, _ in answers.RATE_ROWS}
    assert all(c in codes for order in answers.make_orders(10, 5) for _, _, c in order)
    assert answers.CASES[-1][0][0] == []
