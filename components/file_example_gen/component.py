"""CsvExampleGen and ImportExampleGen: TFX's executors for CSV and TFRecord files, keyed by content.

    gen = CsvExampleGen(input_base="/data", input_config=splits, output_config=hashed, fingerprint=fingerprints.data)
    StatisticsGen(examples=gen.outputs["examples"])

Outputs `examples` (standard_artifacts.Examples), gzipped TFRecords of tf.Examples, one split per
`output_config` split. TFX's own CsvExampleGen and ImportExampleGen key their cache on file names,
sizes and times through the FileBasedExampleGen driver, which KFP 2.x cannot run (TFX compiles it
into a `lifecycle.preCacheCheck` hook only Vertex AI executes). These are plain components with
the same executors and one more parameter, `fingerprint` (the data's content fingerprint, which
the executors ignore), so both TFX's local cache and KFP's follow the content.
"""
from __future__ import annotations

from tfx.components.example_gen.import_example_gen import executor as import_executor
from tfx.dsl.components.base import base_component, executor_spec
from tfx.proto import example_gen_pb2
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.channel import OutputChannel
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfxflow.components.file_example_gen.executor import CsvExecutor
from tfxflow.components.fingerprint_parameter import Parameter

FINGERPRINT_KEY = "fingerprint"


class FileExampleGenSpec(ComponentSpec):
    PARAMETERS = {
        standard_component_specs.INPUT_BASE_KEY: ExecutionParameter(type=str),
        standard_component_specs.INPUT_CONFIG_KEY: ExecutionParameter(type=example_gen_pb2.Input),
        standard_component_specs.OUTPUT_CONFIG_KEY: ExecutionParameter(type=example_gen_pb2.Output),
        standard_component_specs.OUTPUT_DATA_FORMAT_KEY: ExecutionParameter(type=int),
        standard_component_specs.OUTPUT_FILE_FORMAT_KEY: ExecutionParameter(type=int),
        FINGERPRINT_KEY: ExecutionParameter(type=str),
    }
    INPUTS = {}
    OUTPUTS = {standard_component_specs.EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}


class _FileExampleGen(base_component.BaseComponent):
    SPEC_CLASS = FileExampleGenSpec

    def __init__(self, input_base: str, input_config: example_gen_pb2.Input, output_config: example_gen_pb2.Output,
                 fingerprint: Parameter):
        super().__init__(spec=FileExampleGenSpec(
            input_base=input_base,
            input_config=input_config,
            output_config=output_config,
            output_data_format=example_gen_pb2.FORMAT_TF_EXAMPLE,
            output_file_format=example_gen_pb2.FORMAT_TFRECORDS_GZIP,
            fingerprint=fingerprint,
            examples=OutputChannel(standard_artifacts.Examples, self, standard_component_specs.EXAMPLES_KEY),
        ))


class CsvExampleGen(_FileExampleGen):
    """CSV files with a header row (TFX's CsvExampleGen executor; an empty cell or NA is missing)."""

    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(CsvExecutor)


class ImportExampleGen(_FileExampleGen):
    """TFRecord files of serialized tf.Examples, gzipped or not (TFX's ImportExampleGen executor)."""

    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(import_executor.Executor)
