"""Points of y = sin(x) as the tf.Examples SineExampleGen writes (numpy, no TensorFlow).

    records = split_records("train", size=5000, seed=0, noise=0.0)   # serialized tf.Examples, in order

x is drawn uniformly from [0, 2π), as the tutorial's MLP is fitted; `noise` adds Gaussian noise of
that standard deviation to y (0: the curve itself). Each split is drawn in chunks of CHUNK points,
each from its own seed [seed, split stream, chunk], so a split depends only on the seed and its size.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from tfxflow.components.npz_example_gen.examples import array_examples

FEATURE, LABEL = "x", "y"
CHUNK = 100_000
# Split -> (exec property holding its size, stream of the seed).
SPLITS = {"train": ("train_examples", 0), "eval": ("eval_examples", 1)}


def split_records(split: str, size: int, seed: int, noise: float) -> Iterator[bytes]:
    """The serialized examples of `split` ('train' or 'eval'), a chunk in memory at a time."""
    stream = SPLITS[split][1]
    for index, start in enumerate(range(0, size, CHUNK)):
        rng = np.random.default_rng([seed, stream, index])
        x = rng.uniform(0.0, 2 * np.pi, min(CHUNK, size - start))
        y = np.sin(x) + (rng.normal(0.0, noise, len(x)) if noise else 0.0)
        yield from array_examples(x.astype(np.float32)[:, None], y.astype(np.float32), FEATURE, LABEL)
