"""Executor of DriftGate: the train split's drift from the served model's training data, recorded,
and a failure if asked."""
from __future__ import annotations

import json
import os
from typing import Any

from tfx import types
from tfx.components.statistics_gen import stats_artifact_utils
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils
from tfx.utils import io_utils

from tfxflow.components.atomic_pusher.versions import ServedVersion
from tfxflow.components.drift_gate import DRIFT_KEY
from tfxflow.components.drift_gate.drift import Statistics, compare
from tfxflow.components.errors import TfxflowError

STATISTICS_KEY = "statistics"
SCHEMA_KEY = "schema"
BASELINE_KEY = "baseline"
FAIL_ON_DRIFT_KEY = "fail_on_drift"
REPORT_FILE = "drift.json"
SPLIT = "train"
NO_BASELINE = "no baseline (no served model trained on other data)"


class DriftError(TfxflowError, RuntimeError):
    """The training data drifted from the baseline and the pipeline declares fail_on_drift."""


class Executor(base_executor.BaseExecutor):
    """Writes drift.json and the `drift` property on its output; raises DriftError when asked to."""

    def Do(
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        output = artifact_utils.get_single_instance(output_dict[DRIFT_KEY])
        if not exec_properties[BASELINE_KEY]:
            # A file even so: an artifact with none does not exist on an object store, and TFX's local
            # cache would then run the gate again on every rerun (artifact_utils.verify_artifacts).
            io_utils.write_string_file(os.path.join(output.uri, REPORT_FILE), json.dumps({"features": []}))
            output.set_string_custom_property(DRIFT_KEY, NO_BASELINE)
            return
        served = ServedVersion(exec_properties[BASELINE_KEY], record=None)
        statistics = artifact_utils.get_single_instance(input_dict[STATISTICS_KEY])
        schema_dir = artifact_utils.get_single_uri(input_dict[SCHEMA_KEY])
        report = compare(
            stats_artifact_utils.load_statistics(statistics, SPLIT).proto(),
            io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(schema_dir)),
            Statistics.FromString(io_utils.read_bytes_file(served.statistics)),
        )
        io_utils.write_string_file(os.path.join(output.uri, REPORT_FILE), json.dumps(report.to_json(), indent=2))
        verdict = f"{report.summary()} (against the training data of served version {served.version})"
        output.set_string_custom_property(DRIFT_KEY, verdict)
        if report.drifted and exec_properties[FAIL_ON_DRIFT_KEY]:
            raise DriftError(
                f"the training data drifted from the served model's: {verdict} "
                "(drift.fail_on_drift is true, so nothing is trained)"
            )
