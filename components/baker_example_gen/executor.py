"""Executor of BakerExampleGen: generates each split in shards on Beam (examples.py says how)."""
from __future__ import annotations

from typing import Any

import apache_beam as beam
import tensorflow as tf
from tfx.components.example_gen.base_example_gen_executor import BaseExampleGenExecutor

from components.baker_example_gen.examples import SPLITS, shard_examples, shards


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
    return (
        pipeline
        | "Shards" >> beam.Create(shards(exec_properties[size_key]))
        | "Generate"
        >> beam.FlatMap(shard_examples, seed=exec_properties["seed"], stream=stream, length=exec_properties["length"])
    )
