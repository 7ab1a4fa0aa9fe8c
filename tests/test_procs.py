"""Unit tests of helpers.procs: running programs, group kills, leftovers and the checkers."""

import asyncio
import os
import signal
import subprocess
import time

import psutil
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import procs
from helpers.tracing import Recorder, Span

# ---- commands ----

def test_python_command_runs_code_with_arguments():
    done = subprocess.run(procs.python_command("import sys; print(sys.argv[1:])", "a b", "c"),
                          capture_output=True, text=True, timeout=30, check=True)
    assert done.stdout.strip() == "['a b', 'c']"


@pytest.mark.parametrize("bad", [b"pass", 3, None])
def test_python_command_rejects_non_str_code(bad):
    with pytest.raises(TypeError, match="code must be"):
        procs.python_command(bad)


def test_python_command_rejects_non_str_args():
    with pytest.raises(TypeError, match="args must be str"):
        procs.python_command("pass", 3)


def test_sleeper_prints_its_pid():
    done = procs.run_group(procs.sleeper(0.01), timeout=30)
    assert done.stdout.strip() == str(done.pid)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1, ValueError), ("1", TypeError),
                                        (True, TypeError)])
def test_sleeper_rejects_bad_seconds(bad, error):
    with pytest.raises(error, match="seconds"):
        procs.sleeper(bad)


def test_ticker_validates():
    with pytest.raises(ValueError, match="lines"):
        procs.ticker(0, 0.1)
    with pytest.raises(TypeError, match="flush"):
        procs.ticker(1, 0.1, flush="yes")


def test_spawner_rejects_a_bad_tag():
    with pytest.raises(ValueError, match="tag"):
        procs.spawner(1, "two words")


def test_tagged_processes_rejects_empty_tag():
    with pytest.raises(ValueError, match="tag"):
        procs.tagged_processes("")


# ---- run_group, kill_group, stream_lines ----

def test_run_group_kills_child_and_grandchild_on_timeout():
    tag = f"test_group_{os.getpid()}"
    result = procs.run_group(procs.spawner(10, tag), timeout=0.5)
    time.sleep(0.2)
    assert result.timed_out and result.returncode is None
    grandchild = int(result.stdout.split()[0])
    assert not procs.is_running(grandchild)
    assert procs.tagged_processes(tag) == []


def test_run_group_returns_exit_code_and_stderr():
    result = procs.run_group(
        procs.python_command("import sys; print('e', file=sys.stderr); sys.exit(4)"), timeout=30)
    assert (result.returncode, result.stderr, result.timed_out) == (4, "e\n", False)


@pytest.mark.parametrize("bad", ["echo hi", [], [1, 2], None])
def test_run_group_rejects_a_bad_command(bad):
    with pytest.raises(TypeError, match=r"command must be|every argument"):
        procs.run_group(bad, timeout=1)


def test_run_group_rejects_a_bad_timeout():
    with pytest.raises(ValueError, match="timeout"):
        procs.run_group(procs.sleeper(0.01), timeout=0)


def test_kill_group_rejects_non_popen():
    with pytest.raises(TypeError, match="Popen"):
        procs.kill_group(os.getpid())


def test_kill_group_on_a_finished_process_is_harmless():
    with subprocess.Popen(procs.python_command("pass"), start_new_session=True) as process:
        process.wait(timeout=30)
        procs.kill_group(process)  # the group is gone: no error
    assert process.returncode == 0


def test_stream_lines_reads_lines_as_they_come():
    arrivals = procs.stream_lines(procs.ticker(3, 0.1), timeout=30)
    assert [line for _, line in arrivals] == ["tick-0", "tick-1", "tick-2"]
    assert arrivals[-1][0] - arrivals[0][0] >= 0.15


def test_stream_lines_buffered_without_flush():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    arrivals = procs.stream_lines(procs.ticker(3, 0.1, flush=False), timeout=30, env=env)
    assert len(arrivals) == 3
    assert arrivals[-1][0] - arrivals[0][0] < 0.05


def test_stream_lines_kills_a_silent_program():
    start = time.perf_counter()
    arrivals = procs.stream_lines(procs.sleeper(10), timeout=0.5)
    assert arrivals == [] and time.perf_counter() - start < 5


# ---- many at once ----

def test_run_many_threads_bounds_concurrency():
    recorder = Recorder()
    results = procs.run_many_threads([procs.sleeper(0.1)] * 4, max_workers=2, timeout=30,
                                     recorder=recorder)
    assert [r.returncode for r in results] == [0] * 4
    assert sorted(s.task for s in recorder.spans) == [0, 1, 2, 3]
    assert procs.span_overlap(recorder.spans) <= 2


def test_run_many_threads_raises_on_failure():
    with pytest.raises(subprocess.CalledProcessError):
        procs.run_many_threads([procs.python_command("raise SystemExit(2)")], max_workers=1,
                               timeout=30, recorder=Recorder())


def test_run_many_threads_validates():
    with pytest.raises(ValueError, match="max_workers"):
        procs.run_many_threads([procs.sleeper(0.01)], max_workers=0, timeout=1,
                               recorder=Recorder())
    with pytest.raises(TypeError, match="recorder"):
        procs.run_many_threads([procs.sleeper(0.01)], max_workers=1, timeout=1, recorder=[])


def test_run_many_async_bounds_concurrency_and_names_tasks():
    recorder = Recorder()
    results = asyncio.run(procs.run_many_async([procs.sleeper(0.1)] * 4, limit=2, timeout=30,
                                               recorder=recorder))
    assert [code for code, _ in results] == [0] * 4
    assert procs.span_overlap(recorder.spans) <= 2
    assert {s.worker for s in recorder.spans} == {f"task cmd-{i}" for i in range(4)}


def test_run_many_async_times_out_and_reaps():
    with pytest.raises(TimeoutError):
        asyncio.run(procs.run_many_async([procs.sleeper(10)], limit=1, timeout=0.3,
                                         recorder=Recorder()))
    assert procs.zombies() == []


def test_run_many_async_validates():
    with pytest.raises(ValueError, match="limit"):
        asyncio.run(procs.run_many_async([procs.sleeper(0.01)], limit=0, timeout=1,
                                         recorder=Recorder()))


# ---- overlap, leftovers ----

@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 10), st.floats(0.001, 5)), max_size=20))
def test_count_overlap_matches_brute_force(pairs):
    """Half-open intervals: one that ends as another starts does not overlap it."""
    intervals = [(start, start + length) for start, length in pairs]
    expected = max((sum(1 for s, e in intervals if s <= t < e) for t, _ in intervals),
                   default=0)
    assert procs.count_overlap(intervals) == expected


def test_count_overlap_validates():
    with pytest.raises(ValueError, match="before it starts"):
        procs.count_overlap([(2, 1)])
    with pytest.raises(TypeError, match="pairs"):
        procs.count_overlap([(1, 2, 3)])


def test_span_overlap_rejects_non_spans():
    with pytest.raises(TypeError, match="Span"):
        procs.span_overlap([(0, 1)])
    assert procs.span_overlap([Span("a", 1, 0.0, 1.0)]) == 1


def test_is_running_validates_and_sees_a_zombie():
    with pytest.raises(ValueError, match="pid"):
        procs.is_running(0)
    process = subprocess.Popen(procs.python_command("pass"))
    deadline = time.monotonic() + 10
    while process.pid not in [p.pid for p in procs.zombies()] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not procs.is_running(process.pid)  # a zombie is not running
    process.wait(timeout=10)
    assert procs.zombies() == []


def test_leftover_children_sees_a_child_until_it_ends():
    with subprocess.Popen(procs.sleeper(10)) as process:
        assert process.pid in [p.pid for p in procs.leftover_children()]
        process.send_signal(signal.SIGKILL)
    assert process.pid not in [p.pid for p in procs.leftover_children()]


def test_leftover_children_validates():
    with pytest.raises(TypeError, match="include_helpers"):
        procs.leftover_children("yes")
    assert all(isinstance(p, psutil.Process) for p in procs.leftover_children(True))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 100), st.integers(1, 20), st.floats(0.01, 5))
def test_rounds_time_is_full_rounds(commands, limit, seconds):
    rounds = -(-commands // limit)
    assert procs.rounds_time(commands, limit, seconds) == pytest.approx(rounds * seconds)


def test_rounds_time_validates():
    with pytest.raises(ValueError, match="limit"):
        procs.rounds_time(3, 0, 1.0)


# ---- checkers ----

def test_check_length_command_accepts_a_list_and_rejects_a_string(capsys):
    good = lambda name: procs.python_command("import sys; print(len(sys.argv[1]))", name)  # noqa: E731
    assert procs.check_length_command(good) is True
    assert procs.check_length_command(lambda name: f"python -c 'print(len({name!r}))'") is False
    assert procs.check_length_command(lambda name: None) is False
    assert procs.check_length_command(lambda name: 1 / 0) is False
    assert procs.check_length_command("not callable") is False
    assert "one string" in capsys.readouterr().out


def test_check_group_timeout_tells_a_group_kill_from_a_plain_one(capsys):
    def good(command, timeout):
        return procs.run_group(command, timeout=timeout).returncode

    def plain(command, timeout):
        try:
            return subprocess.run(command, timeout=timeout, stdout=subprocess.DEVNULL).returncode
        except subprocess.TimeoutExpired:
            return None

    assert procs.check_group_timeout(good) is True
    assert procs.check_group_timeout(plain) is False
    assert "survived" in capsys.readouterr().out
    assert procs.check_group_timeout(lambda command, timeout: None) is False
    assert procs.check_group_timeout(42) is False


def test_group_gone_waits_for_a_group_to_empty():
    with subprocess.Popen(procs.sleeper(10), start_new_session=True) as process:
        assert procs.group_gone(process.pid, timeout=0.2) is False  # still running
        procs.kill_group(process)
    assert procs.group_gone(process.pid, timeout=10) is True


def test_group_gone_validates():
    with pytest.raises(ValueError, match="pgid"):
        procs.group_gone(0)
    with pytest.raises(ValueError, match="timeout"):
        procs.group_gone(1, timeout=0)
