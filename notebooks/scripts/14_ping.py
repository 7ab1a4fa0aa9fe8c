"""Point-to-point: a pickled object one way, a reply, then a raw NumPy buffer back."""
import json

import numpy as np
from mpi4py import MPI

comm = MPI.COMM_WORLD
if comm.Get_rank() == 0:
    comm.send({"numbers": [1, 2, 3]}, dest=1, tag=11)  # a pickled Python object
    reply = comm.recv(source=1, tag=22)
    array = np.empty(4)
    comm.Recv(array, source=1, tag=33)  # a raw buffer, no pickling
    print(json.dumps({"reply": reply, "array": array.tolist()}))
else:
    data = comm.recv(source=0, tag=11)
    comm.send({"sum": sum(data["numbers"]), "by rank": comm.Get_rank()}, dest=0, tag=22)
    comm.Send(np.arange(4.0) * 10, dest=0, tag=33)
