"""Close a shared block under a NumPy view made with np.ndarray(buffer=...), then read it.

close() succeeds (that view does not hold on to the buffer) and the read touches unmapped
memory: the interpreter crashes, which is why this runs in its own process.
"""

from multiprocessing import shared_memory

import numpy as np

block = shared_memory.SharedMemory(create=True, size=80)
print(block.name, flush=True)
view = np.ndarray((10,), dtype=np.float64, buffer=block.buf)
view[:] = 1.0
block.close()
print("close() succeeded although a view exists", flush=True)
block.unlink()
print("the view's sum after close():", view.sum(), flush=True)
