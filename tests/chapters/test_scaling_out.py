"""Unit tests of helpers.scaling_out: mpiexec for real, the scripts of notebook 14, a Dask
cluster, the workers' tasks and the exercises' references."""

import json
import logging
import math
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import leftovers, scripts
from helpers.scaling_out import answers, experiment, workers
from helpers.tasks import costly_task

# ---- MPI ----


def test_find_mpiexec_finds_the_venvs_mpiexec():
    found = experiment.find_mpiexec()
    assert found.exists() and found.name.startswith("mpiexec")


def test_find_mpiexec_fails_with_advice(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="pip install mpich mpi4py"):
        experiment.find_mpiexec()


def test_run_mpi_reduces_costly_task_to_the_sequential_answer():
    result = experiment.run_mpi("""
        import json
        from mpi4py import MPI
        from helpers.tasks import costly_task
        comm = MPI.COMM_WORLD
        mine = range(comm.Get_rank(), 4, comm.Get_size())
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
    before = pids(leftovers.leftover_children())  # a test runner may have kernels of its own
    result = experiment.run_mpi("""
        from mpi4py import MPI
        comm = MPI.COMM_WORLD
        comm.recv(source=1 - comm.Get_rank())
    """, ranks=2, timeout=1.5)
    assert result.timed_out and result.returncode is None
    assert experiment.mpi_processes() == []
    assert pids(leftovers.leftover_children()) <= before


def test_run_mpi_reports_a_failing_rank():
    result = experiment.run_mpi("import sys; from mpi4py import MPI; sys.exit(3)", timeout=30)
    assert result.returncode != 0 and not result.timed_out


def test_run_mpi_validates():
    with pytest.raises(TypeError, match="script must be"):
        experiment.run_mpi(b"pass")
    with pytest.raises(ValueError, match="ranks"):
        experiment.run_mpi("pass", ranks=0)
    with pytest.raises(ValueError, match="timeout"):
        experiment.run_mpi("pass", timeout=0)
    with pytest.raises(FileNotFoundError, match="scripts"):
        experiment.run_mpi(Path("no/such/script.py"))


SCRIPTS = Path(__file__).resolve().parents[2] / "notebooks" / "scripts"


def test_the_notebooks_mpi_scripts_run():
    hello = json.loads(experiment.run_mpi(SCRIPTS / "14_hello.py", timeout=60).stdout)
    assert [r["rank"] for r in hello["ranks"]] == [0, 1] and tuple(hello["standard"]) > (2, 2)
    reduce = json.loads(experiment.run_mpi(SCRIPTS / "14_reduce.py", timeout=60,
                                        args=("4",)).stdout)
    assert math.isclose(reduce["total"], sum(costly_task((t, "cpu_costly")) for t in range(4)),
                        rel_tol=1e-12)
    trip = json.loads(experiment.run_mpi(SCRIPTS / "14_pingpong.py", timeout=60).stdout)
    assert 0 < trip["round_trip"] < 0.1


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 200), st.integers(1, 20))
def test_blocks_cover_every_task_once_in_order_and_balance(n_tasks, size):
    blocks = [answers.block(rank, size, n_tasks) for rank in range(size)]
    assert [t for start, stop in blocks for t in range(start, stop)] == list(range(n_tasks))
    lengths = [stop - start for start, stop in blocks]
    assert max(lengths) - min(lengths) <= 1


def test_spin_uses_the_cpu_time_asked_for():
    number, used = workers.spin((3, 0.02))
    assert number == 3 and 0.02 <= used < 0.5


def test_dask_cluster_runs_tasks_and_closes_cleanly():
    from dask.distributed import Client, LocalCluster, as_completed

    before = pids(leftovers.leftover_children())
    with (LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                       dashboard_address=":0", silence_logs=logging.ERROR) as cluster,
          Client(cluster.scheduler_address) as client):
        tasks = [(i, "cpu_costly") for i in range(4)]
        futures = client.map(costly_task, tasks)
        done = [futures.index(f) for f in as_completed(futures, timeout=60)]
        values = client.gather(futures)
        ran_on = client.run(workers.noop, 1)  # runs on every worker
    assert sorted(done) == [0, 1, 2, 3]
    assert values == [costly_task(task) for task in tasks]
    assert len(ran_on) == 2
    assert pids(leftovers.leftover_children()) <= before


def test_noop():
    assert workers.noop([1]) == [1]


def test_mpi_processes_sees_a_running_rank(tmp_path):
    import subprocess

    script = tmp_path / f"{experiment.MPI_MARKER}probe.py"
    script.write_text("import time; time.sleep(10)")
    with subprocess.Popen([sys.executable, str(script)]) as process:
        try:
            assert process.pid in [p.pid for p in experiment.mpi_processes()]
        finally:
            process.kill()
    assert experiment.mpi_processes() == []
    assert isinstance(Path(script), Path)


# ---- exercises ----

def test_exercise_2_answers_are_engines_each_with_a_reason():
    assert set(answers.SCENARIOS.values()) == {"process pool", "mpi", "dask"}
    assert set(answers.ENGINE_WHY) == set(answers.SCENARIOS)


def test_kill_group_stops_mpi_ranks_in_their_own_sessions():
    import os
    import subprocess
    import time

    import psutil

    with subprocess.Popen([str(experiment.find_mpiexec()), "-n", "2", sys.executable, "-c",
                           "import time; from mpi4py import MPI; time.sleep(30)"],
                          start_new_session=True) as launcher:
        deadline = time.monotonic() + 20
        while len(psutil.Process(launcher.pid).children(recursive=True)) < 3:
            assert time.monotonic() < deadline, "mpiexec did not start its ranks"
            time.sleep(0.05)
        family = psutil.Process(launcher.pid).children(recursive=True)
        assert all(os.getsid(p.pid) != launcher.pid for p in family)  # out of the group
        tree = scripts.kill_group(launcher)
    _, alive = psutil.wait_procs(tree, timeout=10)
    assert alive == [] and {p.pid for p in tree} == {p.pid for p in family}
