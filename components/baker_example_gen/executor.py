"""Executor of BakerExampleGen: generates each split in shards on Beam."""
from __future__ import annotations

from typing import Any

import apache_beam as beam
import numpy as np
import tensorflow as tf
from tfx.components.example_gen.base_example_gen_executor import BaseExampleGenExecutor

from components.baker_example_gen.sequences import FEATURE, LABEL, generate

# Each shard draws from its own seed, so the data depends only on the seed and the counts,
# never on how Beam schedules the shards.
SHARD_SIZE = 1000
# The input_config split pattern -> (exec property holding its size, stream of the seed).
SPLITS = {"train": ("train_examples", 0), "eval": ("eval_examples", 1)}


class Executor(BaseExampleGenExecutor):
    """Writes `train_examples` and `eval_examples` serialized tf.Examples to the train/eval splits."""

    def GetInputSourceToExamplePTransform(self) -> beam.PTransform:
        return _GenerateSplit


@beam.ptransform_fn
@beam.typehints.with_output_types(tf.train.Example)
def _GenerateSplit(  # pylint: disable=invalid-name
    pipeline: beam.Pipeline, exec_properties: dict[str, Any], split_pattern: str
) -> beam.PCollection:
    size_key, stream = SPLITS[split_pattern]
    total = exec_properties[size_key]
    shards = [(index, min(SHARD_SIZE, total - start)) for index, start in enumerate(range(0, total, SHARD_SIZE))]
    return (
        pipeline
        | "Shards" >> beam.Create(shards)
        | "Generate"
        >> beam.FlatMap(
            _shard_examples, seed=exec_properties["seed"], stream=stream, length=exec_properties["length"]
        )
    )


def _shard_examples(shard: tuple[int, int], seed: int, stream: int, length: int) -> list[tf.train.Example]:
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
