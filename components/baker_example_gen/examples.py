"""Baker sequences as the tf.Examples BakerExampleGen writes, split by split (TensorFlow, no TFX).

    examples = generate_split("train", size=2000, seed=0, length=100)   # what the pipeline trains on

Each split is generated in shards of SHARD_SIZE, each from its own seed [seed, split stream, shard],
so a split's examples and their order depend only on the seed and the counts.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfxflow.components.baker_example_gen.sequences import FEATURE, LABEL, generate

SHARD_SIZE = 1000
# Split -> (exec property holding its size, stream of the seed).
SPLITS = {"train": ("train_examples", 0), "eval": ("eval_examples", 1)}


def generate_split(split: str, size: int, seed: int, length: int) -> list[tf.train.Example]:
    """The examples the pipeline generates for `split` ('train' or 'eval'), in shard order."""
    stream = SPLITS[split][1]
    return [example for shard in shards(size) for example in shard_examples(shard, seed, stream, length)]


def shards(total: int) -> list[tuple[int, int]]:
    """(index, size) of each shard of a split of `total` examples."""
    return [(index, min(SHARD_SIZE, total - start)) for index, start in enumerate(range(0, total, SHARD_SIZE))]


def shard_examples(shard: tuple[int, int], seed: int, stream: int, length: int) -> list[tf.train.Example]:
    index, size = shard
    return to_examples(*generate(size, length, np.random.default_rng([seed, stream, index])))


def to_examples(x: np.ndarray, labels: np.ndarray) -> list[tf.train.Example]:
    """Sequences and labels as the tf.Examples BakerExampleGen writes (`x` floats, `label` int)."""
    return [
        tf.train.Example(
            features=tf.train.Features(
                feature={
                    FEATURE: tf.train.Feature(float_list=tf.train.FloatList(value=row)),
                    LABEL: tf.train.Feature(int64_list=tf.train.Int64List(value=[label])),
                }
            )
        )
        for row, label in zip(x, labels, strict=True)
    ]
