"""InputFingerprint: fingerprints of the data, schema and code, and the served baselines, as values.

    fingerprint = InputFingerprint(ingest='{"kind": "mnist"}', data_uri="gs://acme/mnist.npz", ...)
    NpzExampleGen(path="gs://acme/mnist.npz", fingerprint=fingerprint.outputs["data"].future()[0].value,
                  feature="image", label="label")

Only compiled Kubeflow pipelines have this component, as their first task with caching off: its
outputs (String artifacts, passed on as task parameters) enter KFP's cache keys of the components
that depend on them. Local runs compute the same fingerprints before the run and pass them as
constants (pipelines/run.py), which TFX's cache key includes in the same way.
"""
from __future__ import annotations

import dataclasses

from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.channel import OutputChannel
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfxflow.components.input_fingerprint import executor
from tfxflow.components.input_fingerprint.fingerprints import Fingerprints

OUTPUTS = [field.name for field in dataclasses.fields(Fingerprints)]


class InputFingerprintSpec(ComponentSpec):
    PARAMETERS = {
        key: ExecutionParameter(type=str)
        for key in (executor.INGEST_KEY, executor.DATA_URI_KEY, executor.SCHEMA_FILE_KEY, executor.SETTINGS_KEY,
                    executor.PREPROCESSING_FN_KEY, executor.RUN_FN_KEY, executor.MODEL_FN_KEY,
                    executor.SERVING_DIR_KEY)
    }
    INPUTS = {}
    OUTPUTS = {key: ChannelParameter(type=standard_artifacts.String) for key in OUTPUTS}


class InputFingerprint(base_component.BaseComponent):
    """Outputs `data`, `schema`, `transform_code`, `trainer_code`, `lineage`, `drift_baseline` and
    `model_baseline` (String artifacts)."""

    SPEC_CLASS = InputFingerprintSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self, ingest: str, data_uri: str, schema_file: str, settings: str, preprocessing_fn: str,
                 run_fn: str, model_fn: str, serving_dir: str):
        outputs = {key: OutputChannel(standard_artifacts.String, self, key) for key in OUTPUTS}
        super().__init__(
            spec=InputFingerprintSpec(ingest=ingest, data_uri=data_uri, schema_file=schema_file, settings=settings,
                                      preprocessing_fn=preprocessing_fn, run_fn=run_fn, model_fn=model_fn,
                                      serving_dir=serving_dir,
                                      **outputs)
        )

    def values(self) -> Fingerprints:
        """Each output as a placeholder for a downstream exec property (a task parameter on KFP)."""
        return Fingerprints(**{key: self.outputs[key].future()[0].value for key in OUTPUTS})
