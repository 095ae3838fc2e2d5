"""Executor of ServedModelEvaluator: TFX's Evaluator, with the served version as `baseline_model`, and
what it measured recorded on its blessing (metrics.py).

TFX's Evaluator reads a Model artifact's SavedModel from `<uri>/Format-Serving`; a served version is
a SavedModel directory itself, so a copy of it is staged as a Model in the executor's temporary
directory.
"""
from __future__ import annotations

import os
from typing import Any

from tfx import types
from tfx.components.evaluator import constants
from tfx.components.evaluator import executor as evaluator
from tfx.types import artifact_utils, standard_artifacts, standard_component_specs
from tfx.utils import io_utils, path_constants

from tfxflow.components.served_model_evaluator.metrics import evaluation_outcome, record
from tfxflow.components.tf_keras_autograph import leave_tf_keras_unconverted

SERVED_BASELINE_KEY = "served_baseline"


class Executor(evaluator.Executor):
    """Evaluates the candidate against the served version named by `served_baseline` ("": none)."""

    def Do(
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        leave_tf_keras_unconverted()  # loading the models traces tf_keras code: 1.5 s less on MNIST
        served = exec_properties.get(SERVED_BASELINE_KEY) or ""
        if served:
            input_dict = {**input_dict, standard_component_specs.BASELINE_MODEL_KEY: [self._staged(served)]}
        super().Do(input_dict, output_dict, exec_properties)
        blessing = artifact_utils.get_single_instance(output_dict[standard_component_specs.BLESSING_KEY])
        evaluation = artifact_utils.get_single_instance(output_dict[standard_component_specs.EVALUATION_KEY])
        record(blessing, evaluation_outcome(evaluation.uri))
        properties = blessing.mlmd_artifact.custom_properties
        if constants.ARTIFACT_PROPERTY_BASELINE_MODEL_ID_KEY in properties:
            # Name the served version, not the staged copy; it has no MLMD id (0 here) for KFP's
            # entrypoint to translate into an artifact name.
            blessing.set_string_custom_property(constants.ARTIFACT_PROPERTY_BASELINE_MODEL_URI_KEY, served)
            del properties[constants.ARTIFACT_PROPERTY_BASELINE_MODEL_ID_KEY]

    def _staged(self, served: str) -> standard_artifacts.Model:
        # A copy, never a link: TFX deletes the temporary directory after the execution, and a
        # recursive delete through a link would empty the served version itself.
        model = standard_artifacts.Model()
        model.uri = os.path.join(self._get_tmp_dir(), "served_baseline")
        io_utils.copy_dir(served, os.path.join(model.uri, path_constants.SERVING_MODEL_DIR))
        return model
