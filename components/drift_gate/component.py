"""DriftGate: compares this run's training statistics with a baseline's, by the schema's drift comparators.

    previous = Resolver(strategy_class=PreviousRunStatisticsStrategy, ...).outputs["statistics"]
    gate = DriftGate(statistics=stats.outputs["statistics"], schema=schema.outputs["schema"],
                     baseline_statistics=previous, fail_on_drift=True)
    transform.add_upstream_node(gate)  # with fail_on_drift, drifted data is never trained on

Outputs `drift` (standard_artifacts.ExampleAnomalies): `drift.json` (per feature: measure, value,
threshold, drifted) and the custom property `drift`: 'none', 'drift in ...' or 'no baseline'.
"""
from __future__ import annotations

from typing import Optional

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.channel import OutputChannel
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.drift_gate import executor


class DriftGateSpec(ComponentSpec):
    PARAMETERS = {executor.FAIL_ON_DRIFT_KEY: ExecutionParameter(type=int)}
    INPUTS = {
        executor.STATISTICS_KEY: ChannelParameter(type=standard_artifacts.ExampleStatistics),
        executor.SCHEMA_KEY: ChannelParameter(type=standard_artifacts.Schema),
        executor.BASELINE_KEY: ChannelParameter(type=standard_artifacts.ExampleStatistics, optional=True),
    }
    OUTPUTS = {executor.DRIFT_KEY: ChannelParameter(type=standard_artifacts.ExampleAnomalies)}


class DriftGate(base_component.BaseComponent):
    """Measures drift of the train split; fails its execution on drift when `fail_on_drift`."""

    SPEC_CLASS = DriftGateSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(
        self,
        statistics: types.BaseChannel,
        schema: types.BaseChannel,
        baseline_statistics: Optional[types.BaseChannel],
        fail_on_drift: bool,
    ):
        super().__init__(
            spec=DriftGateSpec(
                statistics=statistics,
                schema=schema,
                baseline_statistics=baseline_statistics,
                fail_on_drift=int(fail_on_drift),
                drift=OutputChannel(standard_artifacts.ExampleAnomalies, self, executor.DRIFT_KEY),
            )
        )
