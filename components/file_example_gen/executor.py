"""TFX's CsvExampleGen executor, with `NA` read as a missing value as an empty cell is, and the header
read as every CSV reader of tfxflow reads it (csv_text.csv_header: no BOM in a name, no name twice).

    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(CsvExecutor)

TFX reads an empty cell as missing but `NA` as the string "NA", which makes a numeric column with
one NA a string column. The steps are TFX's (tfx/components/example_gen/csv_example_gen/executor.py,
`_CsvToExample.expand`, 1.16.0), with one step between parsing and type inference that empties
MISSING cells.
"""
from __future__ import annotations

import os
from typing import Any

import apache_beam as beam
import tensorflow as tf
from tfx.components.example_gen.csv_example_gen import executor as csv_executor
from tfx.dsl.io import fileio
from tfx.types import standard_component_specs
from tfx_bsl.coders import csv_decoder

from tfxflow.components.file_example_gen.csv_text import blank_missing, csv_header


@beam.ptransform_fn
@beam.typehints.with_input_types(beam.Pipeline)
@beam.typehints.with_output_types(tf.train.Example)
def _csv_to_example(pipeline: beam.Pipeline, exec_properties: dict[str, Any], split_pattern: str) -> beam.PCollection:
    pattern = os.path.join(exec_properties[standard_component_specs.INPUT_BASE_KEY], split_pattern)
    files = fileio.glob(pattern)
    if not files:
        raise RuntimeError(f"Split pattern {pattern} does not match any files.")
    column_names = csv_header(files[0])
    for path in files[1:]:
        if csv_header(path) != column_names:
            raise RuntimeError(f"Files in same split {pattern} have different header.")
    lines = (
        pipeline
        | "CreateFilenames" >> beam.Create(files)
        | "ReadFromText" >> beam.ParDo(csv_executor._ReadCsvRecordsFromTextFile())  # noqa: SLF001  TFX's own step
        | "ParseCSVLine" >> beam.ParDo(csv_decoder.ParseCSVLine(delimiter=","))
        | "ExtractParsedCSVLines" >> beam.Keys()
        | "BlankMissing" >> beam.Map(blank_missing)
    )
    column_infos = beam.pvalue.AsSingleton(
        lines | "InferColumnTypes" >> beam.CombineGlobally(
            csv_decoder.ColumnTypeInferrer(column_names, skip_blank_lines=True)))
    return lines | "ToTFExample" >> beam.ParDo(csv_executor._ParsedCsvToTfExample(), column_infos)  # noqa: SLF001


class CsvExecutor(csv_executor.Executor):
    """TFX's CSV ExampleGen executor reading MISSING cells as missing values."""

    def GetInputSourceToExamplePTransform(self) -> beam.PTransform:
        return _csv_to_example
