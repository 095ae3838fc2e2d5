"""NpzExampleGen: the arrays of an `.npz` (MNIST's, or any numeric x and integer, string or float y) as a
standard Examples artifact.

    gen = NpzExampleGen(path="gs://acme-data/mnist.npz", fingerprint=fingerprints.data, feature="image",
                        label="label")
    StatisticsGen(examples=gen.outputs["examples"])

Outputs `examples` (standard_artifacts.Examples): split `train` from x_train/y_train and `eval`
from x_test/y_test, gzipped TFRecord tf.Examples with `feature` (each x row's values in row-major
order: MNIST's 784 ints 0-255) and `label`, the name label.key gives the y values (see arrays.py).
`fingerprint` is the file's content fingerprint (components/input_fingerprint): an execution
parameter the executor does not read, so the cache key follows the content, not only the path.
"""
from __future__ import annotations

from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.channel import OutputChannel
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfxflow.components.fingerprint_parameter import Parameter
from tfxflow.components.npz_example_gen import executor


class NpzExampleGenSpec(ComponentSpec):
    PARAMETERS = {
        executor.PATH_KEY: ExecutionParameter(type=str),
        executor.FINGERPRINT_KEY: ExecutionParameter(type=str),
        executor.FEATURE_KEY: ExecutionParameter(type=str),
        executor.LABEL_KEY: ExecutionParameter(type=str),
    }
    INPUTS = {}
    OUTPUTS = {standard_component_specs.EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}


class NpzExampleGen(base_component.BaseComponent):
    """Ingests x_train/y_train as `train` and x_test/y_test as `eval` from one npz file."""

    SPEC_CLASS = NpzExampleGenSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self, path: str, fingerprint: Parameter, feature: str, label: str):
        super().__init__(
            spec=NpzExampleGenSpec(
                path=path,
                fingerprint=fingerprint,
                feature=feature,
                label=label,
                examples=OutputChannel(standard_artifacts.Examples, self, standard_component_specs.EXAMPLES_KEY),
            )
        )
