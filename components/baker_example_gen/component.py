"""BakerExampleGen: generated baker-classifier sequences as a standard Examples artifact.

    gen = BakerExampleGen(train_examples=4000, eval_examples=1000, length=100, seed=0)
    StatisticsGen(examples=gen.outputs["examples"])

Outputs `examples` (standard_artifacts.Examples) with splits `train` and `eval` of gzipped
TFRecord tf.Examples: `x` (float, `length` values) and `label` (int, 0 noise / 1 baker map).
"""
from __future__ import annotations

from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.channel import OutputChannel
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfxflow.components.baker_example_gen import executor


class BakerExampleGenSpec(ComponentSpec):
    """The counts, length and seed."""

    PARAMETERS = {
        "train_examples": ExecutionParameter(type=int),
        "eval_examples": ExecutionParameter(type=int),
        "length": ExecutionParameter(type=int),
        "seed": ExecutionParameter(type=int),
    }
    INPUTS = {}
    OUTPUTS = {standard_component_specs.EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}


class BakerExampleGen(base_component.BaseComponent):
    """Generates labelled uniform-noise (0) and baker-map (1) sequences, half of each."""

    SPEC_CLASS = BakerExampleGenSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self, train_examples: int, eval_examples: int, length: int = 100, seed: int = 0):
        super().__init__(
            spec=BakerExampleGenSpec(
                train_examples=train_examples,
                eval_examples=eval_examples,
                length=length,
                seed=seed,
                examples=OutputChannel(standard_artifacts.Examples, self, standard_component_specs.EXAMPLES_KEY),
            )
        )
