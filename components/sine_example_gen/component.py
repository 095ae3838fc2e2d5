"""SineExampleGen: generated points of y = sin(x) as a standard Examples artifact.

    gen = SineExampleGen(train_examples=5000, eval_examples=1000, seed=0, noise=0.0)
    StatisticsGen(examples=gen.outputs["examples"])

Outputs `examples` (standard_artifacts.Examples) with splits `train` and `eval` of gzipped TFRecord
tf.Examples: `x` (one float in [0, 2π)) and `y` (one float, sin(x)).
"""
from __future__ import annotations

from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.channel import OutputChannel
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfxflow.components.sine_example_gen import executor


class SineExampleGenSpec(ComponentSpec):
    """The counts, the seed and the noise."""

    PARAMETERS = {
        "train_examples": ExecutionParameter(type=int),
        "eval_examples": ExecutionParameter(type=int),
        "seed": ExecutionParameter(type=int),
        "noise": ExecutionParameter(type=float),
    }
    INPUTS = {}
    OUTPUTS = {standard_component_specs.EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}


class SineExampleGen(base_component.BaseComponent):
    """Generates points (x, sin(x)), x uniform in [0, 2π)."""

    SPEC_CLASS = SineExampleGenSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self, train_examples: int, eval_examples: int, seed: int = 0, noise: float = 0.0):
        super().__init__(
            spec=SineExampleGenSpec(
                train_examples=train_examples,
                eval_examples=eval_examples,
                seed=seed,
                noise=noise,
                examples=OutputChannel(standard_artifacts.Examples, self, standard_component_specs.EXAMPLES_KEY),
            )
        )
