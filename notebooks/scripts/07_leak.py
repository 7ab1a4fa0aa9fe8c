"""Create two shared-memory blocks, close both and unlink neither: what a leak looks like.

The first block is tracked as usual; the second is hidden from the resource tracker
(``track=False`` since Python 3.13; before, the ``unregister`` call that ``track=False`` makes).
Windows has no resource tracker: there a block disappears when its last handle closes.
"""

import sys
from multiprocessing import shared_memory

tracked = shared_memory.SharedMemory(create=True, size=1_000_000)
if sys.version_info >= (3, 13):
    untracked = shared_memory.SharedMemory(create=True, size=1_000_000, track=False)
else:
    untracked = shared_memory.SharedMemory(create=True, size=1_000_000)
    if sys.platform != "win32":
        from multiprocessing import resource_tracker

        resource_tracker.unregister(untracked._name, "shared_memory")  # what track=False does
print(tracked.name, untracked.name)
tracked.close()
untracked.close()  # both closed, neither unlinked
