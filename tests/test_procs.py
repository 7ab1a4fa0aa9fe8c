"""Unit tests of helpers.procs and helpers.leftovers: programs, group kills, leftovers, trials."""

import os
import signal
import subprocess
import threading
import time

import psutil
import pytest

from helpers import exercises, leftovers, procs

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


@pytest.mark.parametrize("bad, error", [(-1, ValueError), ("1", TypeError), (True, TypeError)])
def test_sleeper_rejects_bad_seconds(bad, error):
    with pytest.raises(error, match="duration"):
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


# ---- run_group, kill_group ----

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


def test_procs_still_exports_what_notebook_11_and_scaling_use():
    from helpers.scaling import GroupResult, run_group

    assert run_group is procs.run_group and GroupResult is procs.GroupResult
    assert procs.leftover_children is leftovers.leftover_children
    assert procs.zombies is leftovers.zombies and procs.is_running is leftovers.is_running


def test_kill_tagged_and_reap_zombies_clean_up():
    tag = f"test_tagged_{os.getpid()}"
    with subprocess.Popen(procs.python_command("import time; time.sleep(10)", tag)):
        deadline = time.monotonic() + 5  # the child's command line shows once it has exec'd
        while not leftovers.tagged_processes(tag) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(leftovers.tagged_processes(tag)) == 1
        assert leftovers.kill_tagged(tag) == 1  # killed and waited for (psutil reaps a child)
    assert leftovers.tagged_processes(tag) == [] and leftovers.zombies() == []
    forgotten = subprocess.Popen(procs.python_command("pass"))
    deadline = time.monotonic() + 10
    while not leftovers.zombies() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert leftovers.reap_zombies() == 1 and leftovers.zombies() == []
    forgotten.returncode = 0  # reaped behind its back: tell the Popen not to wait again


# ---- the exercises' trials ----

def _good_first_lines(command, timeout):
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                          start_new_session=True) as process:
        killer = threading.Timer(timeout, procs.kill_group, args=(process,))
        killer.start()
        try:
            return [line.rstrip("\n") for line in process.stdout]
        finally:
            killer.cancel()


def _child_only_first_lines(command, timeout):
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    killer = threading.Timer(timeout, process.kill)
    killer.start()
    lines = [line.rstrip("\n") for line in process.stdout]
    killer.cancel()
    return lines


def _no_wait_first_lines(command, timeout):
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                               start_new_session=True)
    killer = threading.Timer(timeout, procs.kill_group, args=(process,))
    killer.start()
    lines = [line.rstrip("\n") for line in process.stdout]
    killer.cancel()
    process.stdout.close()
    procs._zombie_kept = process  # keep it from the garbage collector, which would reap it
    return lines


@pytest.mark.parametrize(("answer", "passes", "feedback"), [
    (_good_first_lines, True, "behaves right"),
    (_child_only_first_lines, False, "held the pipe open"),
    (_no_wait_first_lines, False, "zombie"),
    (lambda command, timeout: None, False, "expected the first line"),
])
def test_orphan_trial_tells_a_group_kill_from_a_child_kill(answer, passes, feedback, capsys):
    assert exercises.passes(exercises.check_behaviour, procs.orphan_trial(answer),
                            trials=1, timeout=10) is passes
    if not passes:
        assert feedback in capsys.readouterr().out
    assert leftovers.zombies() == []


def test_orphan_trial_rejects_a_non_function():
    with pytest.raises(TypeError, match="pass your function"):
        procs.orphan_trial(3)


def test_choices_have_a_reason_each():
    assert set(procs.CHOICES) == set(procs.WHY)
    assert exercises.passes(exercises.choose_labels, procs.CHOICES, procs.CHOICES, why=procs.WHY)
