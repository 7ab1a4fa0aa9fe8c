"""Per-task round trip between two ranks: send one small task, wait for its answer, repeat."""
import json
import statistics
import time

from mpi4py import MPI

comm, N = MPI.COMM_WORLD, 500
if comm.Get_rank() == 0:
    batches = []
    for _ in range(5):
        start = time.perf_counter()
        for i in range(N):
            comm.send(i, dest=1)
            assert comm.recv(source=1) == i
        batches.append((time.perf_counter() - start) / N)
    comm.send(None, dest=1)  # the sentinel that stops rank 1
    print(json.dumps({"round_trip": statistics.median(batches)}))
else:
    while (task := comm.recv(source=0)) is not None:
        comm.send(task, dest=0)
