"""TFX's CsvExampleGen executor, with `NA` read as a missing value as an empty cell is.

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
from tfx.utils import io_utils
from tfx_bsl.coders import csv_decoder

# Cells read as missing values (compared after stripping spaces).
MISSING = ("", "NA")


def blank_missing(cells: list[bytes | str]) -> list[bytes | str]:
    """The parsed cells of one CSV line with each MISSING marker emptied.

        blank_missing([b"3", b"NA", b"pro"])   # [b"3", b"", b"pro"]
    """
    return [cell[:0] if _text(cell).strip() in MISSING else cell for cell in cells]


def _text(cell: bytes | str) -> str:
    return cell.decode("utf-8", "replace") if isinstance(cell, bytes) else cell


@beam.ptransform_fn
@beam.typehints.with_input_types(beam.Pipeline)
@beam.typehints.with_output_types(tf.train.Example)
def _csv_to_example(pipeline: beam.Pipeline, exec_properties: dict[str, Any], split_pattern: str) -> beam.PCollection:
    pattern = os.path.join(exec_properties[standard_component_specs.INPUT_BASE_KEY], split_pattern)
    files = fileio.glob(pattern)
    if not files:
        raise RuntimeError(f"Split pattern {pattern} does not match any files.")
    column_names = io_utils.load_csv_column_names(files[0])
    for path in files[1:]:
        if io_utils.load_csv_column_names(path) != column_names:
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
