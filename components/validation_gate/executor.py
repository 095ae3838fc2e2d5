"""Executor of ValidationGate: ExampleValidator's work, then a failure if the data broke the schema."""
from __future__ import annotations

import os
from typing import Any

from tensorflow_metadata.proto.v0 import anomalies_pb2
from tfx import types
from tfx.components.example_validator import executor as example_validator
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils

from tfxflow.components.errors import TfxflowError
from tfxflow.components.validation_gate.anomalies import describe_errors


class DataAnomaliesError(TfxflowError, RuntimeError):
    """The examples do not match the schema; the message has one line per anomaly."""


class Executor(example_validator.Executor):
    """Validates statistics against the schema like ExampleValidator, then raises on ERROR anomalies.

    Failing the execution stops everything downstream (Transform, Trainer, ...) on every
    orchestrator, so data that breaks the schema never reaches training or serving.
    """

    def Do(
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> Any:
        output = super().Do(input_dict, output_dict, exec_properties)
        anomalies = artifact_utils.get_single_instance(output_dict[standard_component_specs.ANOMALIES_KEY])
        problems = [
            line
            for split in artifact_utils.decode_split_names(anomalies.split_names)
            for line in describe_errors(split, _read_anomalies(anomalies, split))
        ]
        if problems:
            raise DataAnomaliesError("the examples do not match the schema:\n" + "\n".join(problems))
        return output


def _read_anomalies(artifact: types.Artifact, split: str) -> anomalies_pb2.Anomalies:
    path = os.path.join(artifact_utils.get_split_uri([artifact], split), example_validator.DEFAULT_FILE_NAME)
    return anomalies_pb2.Anomalies.FromString(io_utils.read_bytes_file(path))
