"""Split the article's costly_task over the ranks, round robin; reduce the sums on rank 0."""
import json
import sys
import time

from mpi4py import MPI

from helpers.tasks import costly_task

N_TASKS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
partial, spans = 0.0, []
for task in range(rank, N_TASKS, size):  # rank r takes tasks r, r + size, r + 2 size, ...
    start = time.perf_counter()
    partial += costly_task((task, "cpu_costly"))
    spans.append((task, start, time.perf_counter()))
total = comm.reduce(partial, op=MPI.SUM, root=0)  # rank 0 gets the sum, the others None
all_spans = comm.gather(spans, root=0)
if rank == 0:
    print(json.dumps({"total": total, "spans": all_spans}))
