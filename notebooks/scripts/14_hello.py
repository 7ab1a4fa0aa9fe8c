"""Every rank reports who it is; rank 0 gathers the reports and prints them once."""
import json
import os

from mpi4py import MPI

comm = MPI.COMM_WORLD
me = {"rank": comm.Get_rank(), "size": comm.Get_size(), "pid": os.getpid(),
      "host": MPI.Get_processor_name()}
everyone = comm.gather(me, root=0)  # a collective: every rank takes part
if comm.Get_rank() == 0:  # one rank prints, so lines cannot interleave
    print(json.dumps({"ranks": everyone, "standard": MPI.Get_version(),
                      "library": MPI.Get_library_version().splitlines()[0].strip()}))
