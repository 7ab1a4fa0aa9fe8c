"""Notebook 09's measuring machinery: achieved GB/s of a kernel, swept over array sizes,
the cache sizes the hardware reports, and the two roofs of a roofline (bandwidth, compute).

The kernels themselves (one NumPy line each) are written in the notebook's cells; here is only
what times them honestly: data made outside the timed region, enough calls per sample that a
16 KB copy is not timed at the resolution of the clock, and the median of several samples.

>>> copy = Kernel(arrays=2, bytes_per_element=16, flops_per_element=0,
...               run=lambda dst, src: np.copyto(dst, src))
>>> elements_for(copy, 2**20)
65536
>>> parse_size("32K"), parse_size("1024K"), parse_size("8M")
(32768, 1048576, 8388608)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers import validate
from helpers.timing import measure

#: Where Linux describes the caches of the first CPU (absent on macOS, Windows, some VMs).
CACHE_ROOT = Path("/sys/devices/system/cpu/cpu0/cache")


@dataclass(frozen=True)
class Kernel:
    """A kernel over float64 arrays: how many it takes, the bytes its passes read and write
    and the flops it does per element, and the call itself (``run(*arrays)``)."""

    arrays: int
    bytes_per_element: int
    flops_per_element: float
    run: Callable[..., object]


@dataclass(frozen=True)
class Rate:
    """One measurement: a working set, the elements per array, the median seconds per call."""

    working_set: int
    elements: int
    seconds: float
    bytes_per_element: int
    flops_per_element: float

    @property
    def gbps(self) -> float:
        """Achieved bandwidth: the bytes the kernel's passes move, per second, in GB/s."""
        return self.elements * self.bytes_per_element / self.seconds / 1e9

    @property
    def gflops(self) -> float:
        return self.elements * self.flops_per_element / self.seconds / 1e9

    @property
    def intensity(self) -> float:
        """Arithmetic intensity: flops per byte moved."""
        return self.flops_per_element / self.bytes_per_element


def elements_for(kernel: Kernel, working_set: int) -> int:
    """Elements per array so that all of the kernel's arrays together fill ``working_set``."""
    validate.whole_number("working_set", working_set, minimum=8 * kernel.arrays)
    return working_set // (8 * kernel.arrays)


def make_arrays(kernel: Kernel, elements: int, seed: int = 9) -> list[np.ndarray]:
    """The kernel's arrays, filled (so every page is really there before timing)."""
    rng = np.random.default_rng(seed)
    return [rng.random(elements) + 0.5 for _ in range(kernel.arrays)]


def rate(kernel: Kernel, working_set: int, *, repeat: int = 5,
         min_seconds: float = 2e-3) -> Rate:
    """Median seconds per call of ``kernel`` on a fresh working set of ``working_set`` bytes.

    Each timed sample repeats the call until it lasts about ``min_seconds``: a 16 KB copy
    takes about a microsecond, too short to time one call alone.
    """
    elements = elements_for(kernel, working_set)
    arrays = make_arrays(kernel, elements)
    one = measure(lambda: kernel.run(*arrays), repeat=3, warmup=1).min
    calls = max(1, math.ceil(min_seconds / max(one, 1e-9)))

    def sample() -> None:
        for _ in range(calls):
            kernel.run(*arrays)

    seconds = measure(sample, repeat=repeat, warmup=0).median / calls
    return Rate(working_set, elements, seconds, kernel.bytes_per_element,
                kernel.flops_per_element)


def sizes_between(low: int = 2**14, high: int = 2**28) -> list[int]:
    """Working sets from ``low`` to ``high`` bytes, doubling: 16 KiB … 256 MiB by default."""
    validate.whole_number("low", low, minimum=64)
    if high < low:
        raise ValueError(f"high must be >= low, got {high} < {low}")
    return [2**k for k in range(math.ceil(math.log2(low)), math.floor(math.log2(high)) + 1)]


def sweep(kernels: Mapping[str, Kernel], sizes: Sequence[int], *,
          repeat: int = 5) -> dict[str, list[Rate]]:
    """Every kernel at every working set, the kernels taking turns at each size."""
    curves: dict[str, list[Rate]] = {name: [] for name in kernels}
    for size in sizes:
        for name, kernel in kernels.items():
            curves[name].append(rate(kernel, size, repeat=repeat))
    return curves


def parse_size(text: str) -> int:
    """Bytes of a sysfs cache size such as ``32K`` or ``8M``."""
    text = text.strip().upper()
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    if text and text[-1] in units:
        return int(text[:-1]) * units[text[-1]]
    return int(text)


@dataclass(frozen=True)
class CacheLevel:
    name: str
    size: int


def cache_levels(root: Path = CACHE_ROOT) -> list[CacheLevel]:
    """The data and unified caches of the first CPU (``L1d``, ``L2``, ``L3``), smallest first.

    Empty where the platform does not expose them (macOS, Windows, some containers).
    """
    levels = []
    for index in sorted(root.glob("index*")):
        try:
            kind = (index / "type").read_text().strip()
            level = (index / "level").read_text().strip()
            size = parse_size((index / "size").read_text())
        except (OSError, ValueError):
            continue
        if kind == "Instruction":
            continue
        levels.append(CacheLevel(f"L{level}{'d' if kind == 'Data' else ''}", size))
    return sorted(levels, key=lambda cache: cache.size)


def matmul_gflops(n: int = 1024, *, repeat: int = 5) -> float:
    """The compute roof of one core: a float64 ``n × n`` matrix product (2·n³ flops) with
    BLAS limited to one thread, median of ``repeat`` calls, in GFLOP/s."""
    from threadpoolctl import threadpool_limits

    validate.whole_number("n", n, minimum=16)
    a, b = np.random.default_rng(1).random((2, n, n))
    with threadpool_limits(1):
        seconds = measure(lambda: a @ b, repeat=repeat, warmup=1).median
    return 2 * n**3 / seconds / 1e9


@dataclass(frozen=True)
class Roofline:
    """The two roofs: memory bandwidth (GB/s) and compute (GFLOP/s)."""

    bandwidth: float
    compute: float

    @property
    def ridge(self) -> float:
        """The intensity (flops per byte) where the two roofs meet."""
        return self.compute / self.bandwidth

    def attainable(self, intensity: float) -> float:
        """The most GFLOP/s a kernel of this intensity can reach: min(compute, bw × I)."""
        return min(self.compute, self.bandwidth * intensity)
