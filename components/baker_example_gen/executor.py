"""Executor of BakerExampleGen: generates each split shard by shard and writes it in that order.

The records go straight to TFRecords (components/tfrecord_splits.py), not through Beam's
write_split, whose Reshuffle would give every run the same examples in another order, and so
another model: with a fixed order, the same settings and seed train the same weights.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tfx import types
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils, standard_component_specs

from tfxflow.components.baker_example_gen.examples import SPLITS, shard_examples, shards
from tfxflow.components.tfrecord_splits import write_splits


class Executor(base_executor.BaseExecutor):
    """Writes `train_examples` and `eval_examples` serialized tf.Examples to the train/eval splits."""

    def Do(
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        examples = artifact_utils.get_single_instance(output_dict[standard_component_specs.EXAMPLES_KEY])
        write_splits(examples, {split: _records(split, exec_properties) for split in SPLITS})


def _records(split: str, exec_properties: dict[str, Any]) -> Iterator[bytes]:
    """The split's serialized examples, one shard (examples.SHARD_SIZE) in memory at a time."""
    size_key, stream = SPLITS[split]
    for shard in shards(exec_properties[size_key]):
        for example in shard_examples(shard, exec_properties["seed"], stream, exec_properties["length"]):
            yield example.SerializeToString()
