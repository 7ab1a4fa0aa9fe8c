"""Both ranks wait to receive first: nobody ever sends, so both wait forever."""
from mpi4py import MPI

comm = MPI.COMM_WORLD
other = 1 - comm.Get_rank()
data = comm.recv(source=other)
comm.send(data, dest=other)
