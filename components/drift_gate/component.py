"""DriftGate: compares this run's training statistics with the served model's, by the schema's comparators.

    gate = DriftGate(statistics=stats.outputs["statistics"], schema=schema.outputs["schema"],
                     baseline=fingerprints.drift_baseline, fail_on_drift=True)
    transform.add_upstream_node(gate)  # with fail_on_drift, drifted data is never trained on

`baseline` is a served version directory holding its training statistics (the newest served model
trained on other data, components/input_fingerprint), or "" for none. Outputs `drift`
(standard_artifacts.ExampleAnomalies): `drift.json` (per feature: measure, value, threshold,
drifted) and the custom property `drift`: 'none ...', 'drift in ...' or 'no baseline ...'.
"""
from __future__ import annotations

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.channel import OutputChannel
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfxflow.components.drift_gate import executor
from tfxflow.components.fingerprint_parameter import Parameter


class DriftGateSpec(ComponentSpec):
    PARAMETERS = {
        executor.FAIL_ON_DRIFT_KEY: ExecutionParameter(type=int),
        executor.BASELINE_KEY: ExecutionParameter(type=str),
    }
    INPUTS = {
        executor.STATISTICS_KEY: ChannelParameter(type=standard_artifacts.ExampleStatistics),
        executor.SCHEMA_KEY: ChannelParameter(type=standard_artifacts.Schema),
    }
    OUTPUTS = {executor.DRIFT_KEY: ChannelParameter(type=standard_artifacts.ExampleAnomalies)}


class DriftGate(base_component.BaseComponent):
    """Measures drift of the train split; fails its execution on drift when `fail_on_drift`."""

    SPEC_CLASS = DriftGateSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(
        self, statistics: types.BaseChannel, schema: types.BaseChannel, baseline: Parameter, fail_on_drift: bool
    ):
        super().__init__(
            spec=DriftGateSpec(
                statistics=statistics,
                schema=schema,
                baseline=baseline,
                fail_on_drift=int(fail_on_drift),
                drift=OutputChannel(standard_artifacts.ExampleAnomalies, self, executor.DRIFT_KEY),
            )
        )
