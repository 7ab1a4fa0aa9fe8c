"""What notebook 12's process pool runs: CPU work that holds the GIL, importable under every
start method (this module imports nothing but the standard library).

>>> cpu_work(4) == 0 + 1 + 4 + 9
True
"""

from __future__ import annotations


def cpu_work(n: int) -> int:
    """Sum ``i * i`` for ``i < n`` in pure Python: CPU work that holds the GIL."""
    return sum(i * i for i in range(n))
