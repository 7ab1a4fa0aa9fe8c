"""Unit tests of helpers.scripts: run_script and ScriptResult."""

import time
import uuid

import psutil
import pytest

from helpers.scripts import ScriptResult, run_module, run_script


def processes_with(marker: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter():
        try:
            if marker in process.cmdline() and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.Error:  # gone, a zombie, or not ours to read
            pass
    return found


# ---- run_script ----

def test_run_script_captures_stdout_stderr_and_exit_code():
    result = run_script("""
        import sys
        print("to stdout")
        print("to stderr", file=sys.stderr)
        sys.exit(3)
    """)
    assert (result.stdout, result.stderr, result.returncode, result.timed_out) == (
        "to stdout\n", "to stderr\n", 3, False)


def test_run_script_reports_an_exception_on_stderr():
    result = run_script("raise RuntimeError('boom')")
    assert result.returncode == 1
    assert "RuntimeError: boom" in result.stderr


def test_run_script_can_import_the_helpers():
    result = run_script("from helpers.tasks import wait_io; print(wait_io((5, 0)))")
    assert result.ok, str(result)
    assert result.stdout == "5\n"


def test_run_script_passes_args():
    result = run_script("import sys; print(sys.argv[1:])", args=("a", "b c"))
    assert result.stdout == "['a', 'b c']\n"


def test_run_script_env_adds_to_the_environment(monkeypatch):
    monkeypatch.setenv("COURSE_TEST_INHERITED", "kept")
    result = run_script(
        "import os; print(os.environ['COURSE_TEST_ADDED'], os.environ['COURSE_TEST_INHERITED'])",
        env={"COURSE_TEST_ADDED": "added"})
    assert result.stdout == "added kept\n"


def test_run_script_writes_utf8_output():
    assert run_script("print('µs ✔')").stdout == "µs ✔\n"


def test_run_script_timeout_kills_the_script_quickly():
    start = time.perf_counter()
    result = run_script("import time; print('started', flush=True); time.sleep(30)",
                        timeout=0.5)
    assert time.perf_counter() - start < 10
    assert (result.timed_out, result.returncode, result.ok) == (True, None, False)
    assert result.stdout == "started\n"


def test_run_script_timeout_kills_the_children_too():
    marker = f"course-test-marker-{uuid.uuid4().hex}"
    code = f"""
        import subprocess, sys, time
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", {marker!r}])
        print("child started", flush=True)
        time.sleep(60)
    """
    start = time.perf_counter()
    result = run_script(code, timeout=1.5)
    assert time.perf_counter() - start < 15
    assert result.timed_out
    assert result.stdout == "child started\n"
    deadline = time.monotonic() + 5
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_with(marker) == []


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"code": b"print(1)"}, TypeError,
     "code must be a script's path \\(pathlib.Path\\) or its text \\(str\\), got bytes"),
    ({"timeout": 0}, ValueError, "timeout must be > 0 seconds, got 0"),
    ({"timeout": -1}, ValueError, "timeout must be > 0 seconds, got -1"),
    ({"timeout": float("nan")}, ValueError, "timeout must be > 0 seconds"),
    ({"timeout": "1"}, TypeError, "timeout must be a number of seconds, got str"),
    ({"timeout": True}, TypeError, "timeout must be a number of seconds, got bool"),
    ({"args": (1, 2)}, TypeError, "args must be a tuple of str"),
    ({"env": {"A": 1}}, TypeError, "env must map str to str"),
])
def test_run_script_rejects_bad_arguments(kwargs, error, message):
    kwargs = {"code": "print(1)", **kwargs}
    with pytest.raises(error, match=message):
        run_script(**kwargs)


def test_run_script_rejects_a_str_as_args():
    with pytest.raises(TypeError, match="args must be a tuple of str"):
        run_script("print(1)", args="--flag")


def test_run_script_rejects_env_that_is_not_a_mapping():
    with pytest.raises(TypeError, match="env must map str to str"):
        run_script("print(1)", env=[("A", "B")])


# ---- ScriptResult ----

@pytest.mark.parametrize(("returncode", "timed_out", "ok"), [
    (0, False, True), (1, False, False), (None, True, False), (0, True, False)])
def test_script_result_ok_only_for_exit_zero_in_time(returncode, timed_out, ok):
    assert ScriptResult("", "", returncode, timed_out).ok is ok


def test_script_result_str_shows_status_and_both_streams():
    text = str(ScriptResult("out\n", "err\n", 2, False))
    assert text == "[exit code 2]\n--- stdout ---\nout\n--- stderr ---\nerr"


def test_script_result_str_omits_empty_streams_and_says_killed():
    assert str(ScriptResult("", "", None, True)) == "[killed after timeout]"


def test_run_script_runs_a_file_and_show_script_prints_it(tmp_path, capsys):
    from helpers.scripts import show_script

    script = tmp_path / "answer.py"
    script.write_text("print(6 * 7)\n")
    assert run_script(script).stdout == "42\n"
    show_script(script)
    assert capsys.readouterr().out == "# answer.py\nprint(6 * 7)\n\n"
    with pytest.raises(FileNotFoundError, match="no script"):
        run_script(tmp_path / "missing.py")


# ---- run_module ----

@pytest.mark.timeout(60)
def test_run_module_runs_python_dash_m_with_arguments(tmp_path):
    data = tmp_path / "data.json"
    data.write_text('{"b": 1, "a": [2]}')
    result = run_module("json.tool", args=("--sort-keys", "--compact", str(data)), timeout=30)
    assert result.ok and result.stdout.strip() == '{"a":[2],"b":1}'


@pytest.mark.timeout(60)
def test_run_module_kills_a_module_that_hangs(tmp_path, monkeypatch):
    (tmp_path / "course_hangs_here.py").write_text("import time\ntime.sleep(30)\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    start = time.perf_counter()
    result = run_module("course_hangs_here", timeout=1)
    assert result.timed_out and result.returncode is None and not result.ok
    assert time.perf_counter() - start < 15


def test_run_module_rejects_bad_arguments():
    with pytest.raises(TypeError):
        run_module("")
    with pytest.raises(ValueError):
        run_module("json.tool", timeout=0)
    with pytest.raises(TypeError):
        run_module("json.tool", args="--help")
