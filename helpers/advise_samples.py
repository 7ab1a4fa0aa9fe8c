"""Functions nobody here wrote, to try :func:`helpers.advise.advise` on: small faithful
versions of pyperformance benchmarks, and the standard library. Module level, so that a
spawned worker can import them; ``SAMPLES`` pairs each with its inputs (one tuple per task).

>>> sorted(SAMPLES)[:2]
['hashlib.sha256 of 16 MB buffers', 'json.dumps of a large dict']
>>> func, make_inputs = SAMPLES["zlib.compress"]
>>> len(func(*make_inputs()[0])) < len(make_inputs()[0][0])
True
"""

from __future__ import annotations

import hashlib
import json
import socket
import time
import zlib

# pyperformance's bm_nbody (from the Computer Language Benchmarks Game): the solar system's
# five bodies as ([x, y, z], [vx, vy, vz], mass), advanced pair by pair.
PI = 3.14159265358979323
SOLAR_MASS = 4 * PI * PI
DAYS_PER_YEAR = 365.24
BODIES = {
    "sun": ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], SOLAR_MASS),
    "jupiter": ([4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01],
                [1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
                 -6.90460016972063023e-05 * DAYS_PER_YEAR], 9.54791938424326609e-04 * SOLAR_MASS),
    "saturn": ([8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01],
               [-2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
                2.30417297573763929e-05 * DAYS_PER_YEAR], 2.85885980666130812e-04 * SOLAR_MASS),
    "uranus": ([1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01],
               [2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
                -2.96589568540237556e-05 * DAYS_PER_YEAR], 4.36624404335156298e-05 * SOLAR_MASS),
    "neptune": ([1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01],
                [2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
                 -9.51592254519715870e-05 * DAYS_PER_YEAR], 5.15138902046611451e-05 * SOLAR_MASS),
}


def nbody(steps: int, dt: float = 0.01) -> float:
    """Advance a fresh copy of the system ``steps`` times; return its energy (bm_nbody)."""
    bodies = [([*r], [*v], m) for r, v, m in BODIES.values()]
    pairs = [(bodies[i], bodies[j]) for i in range(len(bodies)) for j in range(i + 1, len(bodies))]
    for _ in range(steps):
        for ([x1, y1, z1], v1, m1), ([x2, y2, z2], v2, m2) in pairs:
            dx, dy, dz = x1 - x2, y1 - y2, z1 - z2
            mag = dt * ((dx * dx + dy * dy + dz * dz) ** (-1.5))
            b1m, b2m = m1 * mag, m2 * mag
            v1[0] -= dx * b2m
            v1[1] -= dy * b2m
            v1[2] -= dz * b2m
            v2[0] += dx * b1m
            v2[1] += dy * b1m
            v2[2] += dz * b1m
        for r, [vx, vy, vz], _m in bodies:
            r[0] += dt * vx
            r[1] += dt * vy
            r[2] += dt * vz
    energy = 0.0
    for ((x1, y1, z1), _v1, m1), ((x2, y2, z2), _v2, m2) in pairs:
        energy -= (m1 * m2) / ((x1 - x2) ** 2 + (y1 - y2) ** 2 + (z1 - z2) ** 2) ** 0.5
    for _r, [vx, vy, vz], m in bodies:
        energy += m * (vx * vx + vy * vy + vz * vz) / 2.0
    return energy


def spectral_norm(n: int) -> float:
    """pyperformance's bm_spectral_norm (Benchmarks Game): sqrt(u·v / v·v) after 10 power steps
    of A^T A, with A[i][j] = 1 / ((i + j)(i + j + 1) / 2 + i + 1); plain loops."""
    u = [1.0] * n
    v = [0.0] * n
    tmp = [0.0] * n
    for _ in range(10):
        for pass_ in range(2):
            src, dst = (u, v) if pass_ == 0 else (v, u)
            for i in range(n):
                total = 0.0
                for j in range(n):
                    total += src[j] / ((i + j) * (i + j + 1) // 2 + i + 1)
                tmp[i] = total
            for i in range(n):
                total = 0.0
                for j in range(n):
                    total += tmp[j] / ((j + i) * (j + i + 1) // 2 + j + 1)
                dst[i] = total
    vbv = vv = 0.0
    for i in range(n):
        vbv += u[i] * v[i]
        vv += v[i] * v[i]
    return (vbv / vv) ** 0.5


def sha256_digest(data: bytes) -> bytes:
    """hashlib.sha256(data).digest(): a hash object has no ==, its digest has."""
    return hashlib.sha256(data).digest()


def fetch(port: int, ask: bytes = b"ping") -> bytes:
    """One request to a loopback server: connect, send, read its answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(ask)
        return connection.recv(64)


def slow_square(x: int) -> int:
    """Half a second of waiting per call: long enough to interrupt."""
    time.sleep(0.5)
    return x * x


def make_slow_inputs() -> list[tuple]:
    return [(i,) for i in range(40)]


def make_crc_inputs() -> list[tuple]:
    return [(bytes(range(256)) * 400,) for _ in range(8)]


def make_nbody_inputs() -> list[tuple]:
    return [(3000,)] * 8


def make_spectral_inputs() -> list[tuple]:
    return [(60,)] * 6


def make_sha256_inputs() -> list[tuple]:
    return [(bytes([i]) * (16 << 20),) for i in range(8)]


def make_zlib_inputs() -> list[tuple]:
    return [(bytes(range(256)) * 8000 + bytes([i]) * 1000, 6) for i in range(16)]


def make_json_inputs() -> list[tuple]:
    big = {f"key{i}": [i, str(i), {"x": i / 3}] for i in range(10_000)}
    return [(big,)] * 8


def make_sleep_inputs() -> list[tuple]:
    return [(0.02,)] * 24


#: name -> (function, make_inputs): what the chapter 15 explorer offers.
SAMPLES = {
    "spectral_norm (pyperformance)": (spectral_norm, make_spectral_inputs),
    "nbody (pyperformance)": (nbody, make_nbody_inputs),
    "hashlib.sha256 of 16 MB buffers": (sha256_digest, make_sha256_inputs),
    "zlib.compress": (zlib.compress, make_zlib_inputs),
    "json.dumps of a large dict": (json.dumps, make_json_inputs),
    "time.sleep: 24 waits of 20 ms": (time.sleep, make_sleep_inputs),
}
