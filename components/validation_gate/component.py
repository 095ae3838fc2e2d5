"""ValidationGate: ExampleValidator that fails its execution when the data has error-level anomalies.

    gate = ValidationGate(statistics=stats.outputs["statistics"], schema=schema.outputs["schema"])
    transform.add_upstream_node(gate)  # nothing trains on data the gate refused

Same inputs and outputs as TFX's ExampleValidator (`statistics`, `schema` -> `anomalies`).
"""
from tfx.components.example_validator.component import ExampleValidator
from tfx.dsl.components.base import executor_spec

from tfxflow.components.validation_gate import executor


class ValidationGate(ExampleValidator):
    """ExampleValidator whose executor raises DataAnomaliesError on error-level anomalies."""

    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)
