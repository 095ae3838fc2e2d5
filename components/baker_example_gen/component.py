"""BakerExampleGen: generated baker-classifier sequences as a standard Examples artifact.

    gen = BakerExampleGen(train_examples=4000, eval_examples=1000, length=100, seed=0)
    StatisticsGen(examples=gen.outputs["examples"])

Outputs `examples` (standard_artifacts.Examples) with splits `train` and `eval` of gzipped
TFRecord tf.Examples: `x` (float, `length` values) and `label` (int, 0 noise / 1 baker map).
"""
from __future__ import annotations

from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.proto import example_gen_pb2
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.channel import OutputChannel
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.baker_example_gen import executor
from components.baker_example_gen.examples import SPLITS


class BakerExampleGenSpec(ComponentSpec):
    """The counts, length and seed, plus the split configs BaseExampleGenExecutor reads."""

    PARAMETERS = {
        standard_component_specs.INPUT_CONFIG_KEY: ExecutionParameter(type=example_gen_pb2.Input),
        standard_component_specs.OUTPUT_CONFIG_KEY: ExecutionParameter(type=example_gen_pb2.Output),
        standard_component_specs.OUTPUT_DATA_FORMAT_KEY: ExecutionParameter(type=int),
        "train_examples": ExecutionParameter(type=int),
        "eval_examples": ExecutionParameter(type=int),
        "length": ExecutionParameter(type=int),
        "seed": ExecutionParameter(type=int),
    }
    INPUTS = {}
    OUTPUTS = {standard_component_specs.EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}


class BakerExampleGen(base_beam_component.BaseBeamComponent):
    """Generates labelled uniform-noise (0) and baker-map (1) sequences, half of each."""

    SPEC_CLASS = BakerExampleGenSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(self, train_examples: int, eval_examples: int, length: int = 100, seed: int = 0):
        splits = [example_gen_pb2.Input.Split(name=name, pattern=name) for name in SPLITS]
        super().__init__(
            spec=BakerExampleGenSpec(
                input_config=example_gen_pb2.Input(splits=splits),
                output_config=example_gen_pb2.Output(),
                output_data_format=example_gen_pb2.FORMAT_TF_EXAMPLE,
                train_examples=train_examples,
                eval_examples=eval_examples,
                length=length,
                seed=seed,
                examples=OutputChannel(standard_artifacts.Examples, self, standard_component_specs.EXAMPLES_KEY),
            )
        )
