"""Unit tests of helpers.scaling: mpiexec for real, a Dask cluster, overheads, checkers."""

import json
import logging
import math
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import procs, scaling
from helpers.gil import costly_task

# ---- MPI ----


def test_find_mpiexec_finds_the_venvs_mpiexec():
    found = scaling.find_mpiexec()
    assert found.exists() and found.name.startswith("mpiexec")


def test_find_mpiexec_fails_with_advice(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="pip install mpich mpi4py"):
        scaling.find_mpiexec()


def test_run_mpi_reduces_costly_task_to_the_sequential_answer():
    result = scaling.run_mpi("""
        import json
        from mpi4py import MPI
        from helpers.gil import costly_task
        from helpers.scaling import shares
        comm = MPI.COMM_WORLD
        mine = shares(4, comm.Get_size())[comm.Get_rank()]
        total = comm.reduce(sum(costly_task((t, "cpu_costly")) for t in mine), root=0)
        if comm.Get_rank() == 0:
            print(json.dumps({"size": comm.Get_size(), "total": total}))
    """, ranks=2, timeout=60)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    expected = sum(costly_task((t, "cpu_costly")) for t in range(4))
    assert found["size"] == 2
    assert math.isclose(found["total"], expected, rel_tol=1e-12)


def pids(processes):
    return {p.pid for p in processes}


def test_run_mpi_kills_a_deadlock_and_leaves_nothing():
    before = pids(procs.leftover_children())  # a test runner may have kernels of its own
    result = scaling.run_mpi("""
        from mpi4py import MPI
        comm = MPI.COMM_WORLD
        comm.recv(source=1 - comm.Get_rank())
    """, ranks=2, timeout=1.5)
    assert result.timed_out and result.returncode is None
    assert scaling.mpi_processes() == []
    assert pids(procs.leftover_children()) <= before


def test_run_mpi_reports_a_failing_rank():
    result = scaling.run_mpi("import sys; from mpi4py import MPI; sys.exit(3)", timeout=30)
    assert result.returncode != 0 and not result.timed_out


def test_run_mpi_validates():
    with pytest.raises(TypeError, match="code must be"):
        scaling.run_mpi(b"pass")
    with pytest.raises(ValueError, match="ranks"):
        scaling.run_mpi("pass", ranks=0)
    with pytest.raises(ValueError, match="timeout"):
        scaling.run_mpi("pass", timeout=0)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 200), st.integers(1, 20))
def test_shares_cover_every_task_once_and_balance(n_tasks, size):
    parts = scaling.shares(n_tasks, size)
    assert len(parts) == size
    assert sorted(t for part in parts for t in part) == list(range(n_tasks))
    assert max(map(len, parts)) - min(map(len, parts)) <= 1


@pytest.mark.parametrize("args, error", [((-1, 2), ValueError), ((3, 0), ValueError),
                                         ((3.0, 2), TypeError), ((3, True), TypeError)])
def test_shares_validate(args, error):
    with pytest.raises(error):
        scaling.shares(*args)


# ---- overheads ----

def test_pool_overheads_are_positive_and_ordered():
    before = pids(procs.leftover_children())
    figures = scaling.pool_overheads(workers=2, n_tasks=20, repeat=2)
    assert 0 < figures.per_task < figures.startup < 30
    assert pids(procs.leftover_children()) <= before


def test_pool_overheads_validate():
    with pytest.raises(ValueError, match="workers"):
        scaling.pool_overheads(workers=0)
    with pytest.raises(TypeError, match="n_tasks"):
        scaling.pool_overheads(n_tasks="10")


def test_dask_cluster_runs_tasks_and_closes_cleanly():
    from dask.distributed import Client, LocalCluster, as_completed

    before = pids(procs.leftover_children())
    with (LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                       dashboard_address=":0", silence_logs=logging.ERROR) as cluster,
          Client(cluster.scheduler_address) as client):
        tasks = [(i, "cpu_costly") for i in range(4)]
        futures = client.map(costly_task, tasks)
        done = [futures.index(f) for f in as_completed(futures, timeout=60)]
        values = client.gather(futures)
        per_task = scaling.dask_per_task(client, n_tasks=20, repeat=1)
        ran_on = client.run(scaling.noop, 1)  # runs on every worker
    assert sorted(done) == [0, 1, 2, 3]
    assert values == [costly_task(task) for task in tasks]
    assert 0 < per_task < 1 and len(ran_on) == 2
    assert pids(procs.leftover_children()) <= before


def test_dask_per_task_rejects_a_non_client():
    with pytest.raises(TypeError, match="Client"):
        scaling.dask_per_task(object())


def test_noop_and_overheads_type():
    assert scaling.noop([1]) == [1]
    assert scaling.Overheads(1.0, 0.001).per_task == 0.001


def test_mpi_processes_sees_a_running_rank(tmp_path):
    import subprocess

    script = tmp_path / f"{scaling.MPI_MARKER}probe.py"
    script.write_text("import time; time.sleep(10)")
    with subprocess.Popen([sys.executable, str(script)]) as process:
        try:
            assert process.pid in [p.pid for p in scaling.mpi_processes()]
        finally:
            process.kill()
    assert scaling.mpi_processes() == []
    assert isinstance(Path(script), Path)


# ---- checkers ----

def test_check_shares(capsys):
    assert scaling.check_shares(lambda rank, size, n: range(rank, n, size)) is True
    assert scaling.check_shares(lambda rank, size, n: range(n) if rank == 0 else []) is False
    assert scaling.check_shares(lambda rank, size, n: [rank]) is False
    assert scaling.check_shares(lambda rank, size, n: None) is False
    assert scaling.check_shares("nope") is False
    assert "exactly one rank" in capsys.readouterr().out


def test_check_engine_choice(capsys):
    assert scaling.check_engine_choice(dict(scaling.SCENARIOS)) is True
    wrong = {scenario: "dask" for scenario in scaling.SCENARIOS}
    assert scaling.check_engine_choice(wrong) is False
    assert scaling.check_engine_choice({}) is False
    assert scaling.check_engine_choice(["dask"]) is False
    assert scaling.check_engine_choice({s: "?" for s in scaling.SCENARIOS}) is False
    assert "fits better" in capsys.readouterr().out


def test_kill_group_stops_mpi_ranks_in_their_own_sessions():
    import os
    import subprocess
    import time

    import psutil

    with subprocess.Popen([str(scaling.find_mpiexec()), "-n", "2", sys.executable, "-c",
                           "import time; from mpi4py import MPI; time.sleep(30)"],
                          start_new_session=True) as launcher:
        deadline = time.monotonic() + 20
        while len(psutil.Process(launcher.pid).children(recursive=True)) < 3:
            assert time.monotonic() < deadline, "mpiexec did not start its ranks"
            time.sleep(0.05)
        family = psutil.Process(launcher.pid).children(recursive=True)
        assert all(os.getsid(p.pid) != launcher.pid for p in family)  # out of the group
        tree = procs.kill_group(launcher)
    _, alive = psutil.wait_procs(tree, timeout=10)
    assert alive == [] and {p.pid for p in tree} == {p.pid for p in family}
