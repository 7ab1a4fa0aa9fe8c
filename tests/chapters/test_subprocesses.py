"""Unit tests of notebook 13's helpers: its programs (experiment), the group kills of
helpers.scripts and the checks of helpers.leftovers, and its exercises (answers)."""

import os
import signal
import subprocess
import threading
import time

import psutil
import pytest

from helpers import exercises, leftovers, scripts
from helpers.subprocesses import answers, experiment

# ---- commands ----

def test_python_command_runs_code_with_arguments():
    done = subprocess.run(experiment.python_command("import sys; print(sys.argv[1:])", "a b", "c"),
                          capture_output=True, text=True, timeout=30, check=True)
    assert done.stdout.strip() == "['a b', 'c']"


@pytest.mark.parametrize("bad", [b"pass", 3, None])
def test_python_command_rejects_non_str_code(bad):
    with pytest.raises(TypeError, match="code must be"):
        experiment.python_command(bad)


def test_python_command_rejects_non_str_args():
    with pytest.raises(TypeError, match="args must be str"):
        experiment.python_command("pass", 3)


def test_sleeper_prints_its_pid():
    done = scripts.run_group(experiment.sleeper(0.01), timeout=30)
    assert done.stdout.strip() == str(done.pid)


@pytest.mark.parametrize("bad, error", [(-1, ValueError), ("1", TypeError), (True, TypeError)])
def test_sleeper_rejects_bad_seconds(bad, error):
    with pytest.raises(error, match="duration"):
        experiment.sleeper(bad)


def test_ticker_validates():
    with pytest.raises(ValueError, match="lines"):
        experiment.ticker(0, 0.1)
    with pytest.raises(TypeError, match="flush"):
        experiment.ticker(1, 0.1, flush="yes")


def test_spawner_rejects_a_bad_tag():
    with pytest.raises(ValueError, match="tag"):
        experiment.spawner(1, "two words")


def test_tagged_processes_rejects_empty_tag():
    with pytest.raises(ValueError, match="tag"):
        leftovers.tagged_processes("")


# ---- run_group, kill_group ----

def test_run_group_kills_child_and_grandchild_on_timeout():
    tag = f"test_group_{os.getpid()}"
    result = scripts.run_group(experiment.spawner(10, tag), timeout=0.5)
    time.sleep(0.2)
    assert result.timed_out and result.returncode is None
    grandchild = int(result.stdout.split()[0])
    assert not leftovers.is_running(grandchild)
    assert leftovers.tagged_processes(tag) == []


def test_run_group_returns_exit_code_and_stderr():
    result = scripts.run_group(
        experiment.python_command("import sys; print('e', file=sys.stderr); sys.exit(4)"),
        timeout=30)
    assert (result.returncode, result.stderr, result.timed_out) == (4, "e\n", False)


@pytest.mark.parametrize("bad", ["echo hi", [], [1, 2], None])
def test_run_group_rejects_a_bad_command(bad):
    with pytest.raises(TypeError, match=r"command must be|every argument"):
        scripts.run_group(bad, timeout=1)


def test_run_group_rejects_a_bad_timeout():
    with pytest.raises(ValueError, match="timeout"):
        scripts.run_group(experiment.sleeper(0.01), timeout=0)


def test_kill_group_rejects_non_popen():
    with pytest.raises(TypeError, match="Popen"):
        scripts.kill_group(os.getpid())


def test_kill_group_on_a_finished_process_is_harmless():
    with subprocess.Popen(experiment.python_command("pass"), start_new_session=True) as process:
        process.wait(timeout=30)
        scripts.kill_group(process)  # the group is gone: no error
    assert process.returncode == 0


def test_is_running_validates_and_sees_a_zombie():
    with pytest.raises(ValueError, match="pid"):
        leftovers.is_running(0)
    process = subprocess.Popen(experiment.python_command("pass"))
    deadline = time.monotonic() + 10
    while process.pid not in [p.pid for p in leftovers.zombies()] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not leftovers.is_running(process.pid)  # a zombie is not running
    process.wait(timeout=10)
    assert leftovers.zombies() == []


def test_leftover_children_sees_a_child_until_it_ends():
    with subprocess.Popen(experiment.sleeper(10)) as process:
        assert process.pid in [p.pid for p in leftovers.leftover_children()]
        process.send_signal(signal.SIGKILL)
    assert process.pid not in [p.pid for p in leftovers.leftover_children()]


def test_leftover_children_validates():
    with pytest.raises(TypeError, match="include_helpers"):
        leftovers.leftover_children("yes")
    assert all(isinstance(p, psutil.Process) for p in leftovers.leftover_children(True))


def test_group_gone_waits_for_a_group_to_empty():
    with subprocess.Popen(experiment.sleeper(10), start_new_session=True) as process:
        assert scripts.group_gone(process.pid, timeout=0.2) is False  # still running
        scripts.kill_group(process)
    assert scripts.group_gone(process.pid, timeout=10) is True


def test_group_gone_validates():
    with pytest.raises(ValueError, match="pgid"):
        scripts.group_gone(0)
    with pytest.raises(ValueError, match="timeout"):
        scripts.group_gone(1, timeout=0)


def test_the_toolbox_passes_on_the_runner_and_the_leftover_checks():
    from helpers import toolbox

    assert toolbox.run_group is scripts.run_group and toolbox.kill_group is scripts.kill_group
    assert toolbox.leftover_children is leftovers.leftover_children
    assert toolbox.zombies is leftovers.zombies and toolbox.is_running is leftovers.is_running


def test_kill_tagged_and_reap_zombies_clean_up():
    tag = f"test_tagged_{os.getpid()}"
    with subprocess.Popen(experiment.python_command("import time; time.sleep(10)", tag)):
        deadline = time.monotonic() + 5  # the child's command line shows once it has exec'd
        while not leftovers.tagged_processes(tag) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(leftovers.tagged_processes(tag)) == 1
        assert leftovers.kill_tagged(tag) == 1  # killed and waited for (psutil reaps a child)
    assert leftovers.tagged_processes(tag) == [] and leftovers.zombies() == []
    forgotten = subprocess.Popen(experiment.python_command("pass"))
    deadline = time.monotonic() + 10
    while not leftovers.zombies() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert leftovers.reap_zombies() == 1 and leftovers.zombies() == []
    forgotten.returncode = 0  # reaped behind its back: tell the Popen not to wait again


# ---- the exercises' trials ----

def _good_first_lines(command, timeout):
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                          start_new_session=True) as process:
        killer = threading.Timer(timeout, scripts.kill_group, args=(process,))
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
    killer = threading.Timer(timeout, scripts.kill_group, args=(process,))
    killer.start()
    lines = [line.rstrip("\n") for line in process.stdout]
    killer.cancel()
    process.stdout.close()
    experiment._zombie_kept = process  # keep it from the garbage collector, which would reap it
    return lines


@pytest.mark.parametrize(("answer", "passes", "feedback"), [
    (_good_first_lines, True, "behaves right"),
    (_child_only_first_lines, False, "held the pipe open"),
    (_no_wait_first_lines, False, "zombie"),
    (lambda command, timeout: None, False, "expected the first line"),
])
def test_orphan_trial_tells_a_group_kill_from_a_child_kill(answer, passes, feedback, capsys):
    assert exercises.passes(exercises.check_behaviour, answers.orphan_trial(answer),
                            trials=1, timeout=10) is passes
    if not passes:
        assert feedback in capsys.readouterr().out
    assert leftovers.zombies() == []


def test_orphan_trial_rejects_a_non_function():
    with pytest.raises(TypeError, match="pass your function"):
        answers.orphan_trial(3)


def test_choices_have_a_reason_each():
    assert set(answers.CHOICES) == set(answers.WHY)
    assert exercises.passes(exercises.choose_labels, answers.CHOICES, answers.CHOICES,
                            why=answers.WHY)
