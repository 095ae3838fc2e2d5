"""Labelled sequences for the baker classifier, as plain numpy (no TFX here).

    x, y = generate(1000, length=100, rng=np.random.default_rng(0))

Label 0: `length` values drawn uniformly from [0, 1). Label 1: an orbit of the baker map
x_{i+1} = 3 x_i mod 1 from a uniform random start.
"""
from __future__ import annotations

import numpy as np

FEATURE = "x"
LABEL = "label"

# Orbits are computed exactly on the grid k / 2**53. In float64, 3x mod 1 drops low bits at every
# step and the orbit collapses to 0 within ~50 steps; on this grid the map is a bijection, so an
# orbit never collapses and still satisfies the map to float precision.
_GRID = 2**53


def baker_orbits(starts: np.ndarray, length: int) -> np.ndarray:
    """Orbits (n, length) of x -> 3x mod 1 from the grid points `starts` (uint64 in [0, 2**53))."""
    k = np.asarray(starts, dtype=np.uint64).copy()
    orbits = np.empty((k.size, length), dtype=np.float64)
    for i in range(length):
        orbits[:, i] = k / _GRID
        k = (k * np.uint64(3)) % np.uint64(_GRID)
    return orbits


def generate(n: int, length: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`n` sequences (float32, n x length) and labels (int64), half of each label in random order."""
    labels = rng.permutation(np.arange(n) % 2).astype(np.int64)
    x = rng.random((n, length))
    baker = labels == 1
    x[baker] = baker_orbits(rng.integers(0, _GRID, size=int(baker.sum()), dtype=np.uint64), length)
    return x.astype(np.float32), labels


def map_residual(x: np.ndarray) -> np.ndarray:
    """Per sequence, the largest distance on the circle [0, 1) between x_{i+1} and 3 x_i mod 1."""
    x = np.asarray(x, dtype=np.float64)
    diff = np.abs(x[:, 1:] - np.mod(3 * x[:, :-1], 1.0))
    return np.minimum(diff, 1.0 - diff).max(axis=1)
