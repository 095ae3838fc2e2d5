"""Executor of SineExampleGen: each split generated a chunk at a time and written in that order
(components/tfrecord_splits.py), so the same settings train the same weights."""
from __future__ import annotations

from typing import Any

from tfx import types
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils, standard_component_specs

from tfxflow.components.sine_example_gen.points import SPLITS, split_records
from tfxflow.components.tfrecord_splits import write_splits


class Executor(base_executor.BaseExecutor):
    """Writes `train_examples` and `eval_examples` points to the train and eval splits."""

    def Do(
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        examples = artifact_utils.get_single_instance(output_dict[standard_component_specs.EXAMPLES_KEY])
        write_splits(examples, {
            split: split_records(split, exec_properties[size_key], exec_properties["seed"], exec_properties["noise"])
            for split, (size_key, _) in SPLITS.items()})
