"""Executor of InputFingerprint: writes each fingerprint and baseline as a String artifact."""
from __future__ import annotations

import dataclasses
from typing import Any

from tfx import types
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils

from tfxflow.components.input_fingerprint.fingerprints import fingerprint_inputs

INGEST_KEY = "ingest"
DATA_URI_KEY = "data_uri"
SCHEMA_FILE_KEY = "schema_file"
SETTINGS_KEY = "settings"
PREPROCESSING_FN_KEY = "preprocessing_fn"
RUN_FN_KEY = "run_fn"
MODEL_FN_KEY = "model_fn"
SERVING_DIR_KEY = "serving_dir"


class Executor(base_executor.BaseExecutor):
    """Fingerprints the inputs named in its properties; one String output per Fingerprints field."""

    def Do(
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        found = fingerprint_inputs(
            ingest=exec_properties[INGEST_KEY],
            data_uri=exec_properties[DATA_URI_KEY],
            schema_file=exec_properties[SCHEMA_FILE_KEY],
            settings=exec_properties[SETTINGS_KEY],
            preprocessing_fn=exec_properties[PREPROCESSING_FN_KEY],
            run_fn=exec_properties[RUN_FN_KEY],
            model_fn=exec_properties[MODEL_FN_KEY],
            serving_dir=exec_properties[SERVING_DIR_KEY],
        )
        for key, value in dataclasses.asdict(found).items():
            artifact_utils.get_single_instance(output_dict[key]).value = value
