"""Executor of DriftGate: the train split's drift from the baseline, recorded, and a failure if asked."""
from __future__ import annotations

import json
import os
from typing import Any

from tfx import types
from tfx.components.statistics_gen import stats_artifact_utils
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils
from tfx.utils import io_utils

from components.drift_gate.drift import compare

STATISTICS_KEY = "statistics"
SCHEMA_KEY = "schema"
BASELINE_KEY = "baseline_statistics"
DRIFT_KEY = "drift"
FAIL_ON_DRIFT_KEY = "fail_on_drift"
REPORT_FILE = "drift.json"
SPLIT = "train"


class DriftError(RuntimeError):
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
        baseline = input_dict.get(BASELINE_KEY) or []
        if not baseline:
            output.set_string_custom_property(DRIFT_KEY, "no baseline (no earlier successful run)")
            return
        statistics = artifact_utils.get_single_instance(input_dict[STATISTICS_KEY])
        schema_dir = artifact_utils.get_single_uri(input_dict[SCHEMA_KEY])
        report = compare(
            stats_artifact_utils.load_statistics(statistics, SPLIT).proto(),
            io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(schema_dir)),
            stats_artifact_utils.load_statistics(baseline[0], SPLIT).proto(),
        )
        io_utils.write_string_file(os.path.join(output.uri, REPORT_FILE), json.dumps(report.to_json(), indent=2))
        output.set_string_custom_property(DRIFT_KEY, report.summary())
        if report.drifted and exec_properties[FAIL_ON_DRIFT_KEY]:
            raise DriftError(
                f"the training data drifted from the previous successful run's: {report.summary()} "
                "(drift.fail_on_drift is true, so nothing is trained)"
            )
