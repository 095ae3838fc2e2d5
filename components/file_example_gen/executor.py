"""TFX's CsvExampleGen executor, with `NA` read as a missing value as an empty cell is, and the header
read as every CSV reader of tfxflow reads it (csv_text.csv_header: no BOM in a name, no name twice).

    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(CsvExecutor)

TFX reads an empty cell as missing but `NA` as the string "NA", which makes a numeric column with
one NA a string column. The steps are TFX's (tfx/components/example_gen/csv_example_gen/executor.py,
`_CsvToExample.expand`, 1.16.0), with one step between parsing and type inference that empties
MISSING cells, and the type inference and conversion to tf.Examples done BATCH_ROWS rows at a time,
a column at a time (csv_columns.py: the same types and Examples; 1,000 columns x 10,000 rows took
TFX's per-cell steps 90 s).
"""
from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from typing import Any

import apache_beam as beam
from tfx.components.example_gen.csv_example_gen import executor as csv_executor
from tfx.dsl.io import fileio
from tfx.types import standard_component_specs
from tfx_bsl.coders import csv_decoder

from tfxflow.components.file_example_gen.csv_columns import BATCH_ROWS, ColumnType, column_types, examples, widest
from tfxflow.components.file_example_gen.csv_text import blank_missing, csv_header


@beam.ptransform_fn
@beam.typehints.with_input_types(beam.Pipeline)
@beam.typehints.with_output_types(bytes)
def _csv_to_example(pipeline: beam.Pipeline, exec_properties: dict[str, Any], split_pattern: str) -> beam.PCollection:
    pattern = os.path.join(exec_properties[standard_component_specs.INPUT_BASE_KEY], split_pattern)
    files = fileio.glob(pattern)
    if not files:
        raise RuntimeError(f"Split pattern {pattern} does not match any files.")
    column_names = csv_header(files[0])
    for path in files[1:]:
        if csv_header(path) != column_names:
            raise RuntimeError(f"Files in same split {pattern} have different header.")
    rows = (
        pipeline
        | "CreateFilenames" >> beam.Create(files)
        | "ReadFromText" >> beam.ParDo(csv_executor._ReadCsvRecordsFromTextFile())  # noqa: SLF001  TFX's own step
        | "ParseCSVLine" >> beam.ParDo(csv_decoder.ParseCSVLine(delimiter=","))
        | "ExtractParsedCSVLines" >> beam.Keys()
        | "BlankMissing" >> beam.Map(blank_missing)
        | "Batch" >> beam.BatchElements(min_batch_size=BATCH_ROWS, max_batch_size=BATCH_ROWS)
    )
    types = beam.pvalue.AsSingleton(rows | "InferColumnTypes" >> beam.CombineGlobally(_ColumnTypes(column_names)))
    return rows | "ToTFExample" >> beam.FlatMap(examples, column_names, types)


class _ColumnTypes(beam.CombineFn):
    """Each column's type over all batches of rows (csv_columns.column_types), as tfx_bsl's
    ColumnTypeInferrer infers it row by row."""

    def __init__(self, columns: list[str]) -> None:
        self._columns = columns

    def create_accumulator(self) -> dict[str, ColumnType]:
        return {}

    def add_input(self, types: dict[str, ColumnType], rows: list[list[bytes]]) -> dict[str, ColumnType]:
        return widest(types, column_types(rows, self._columns))

    def merge_accumulators(self, accumulators: Iterable[dict[str, ColumnType]]) -> dict[str, ColumnType]:
        return functools.reduce(widest, accumulators, {})

    def extract_output(self, types: dict[str, ColumnType]) -> dict[str, ColumnType]:
        return types


class CsvExecutor(csv_executor.Executor):
    """TFX's CSV ExampleGen executor reading MISSING cells as missing values."""

    def GetInputSourceToExamplePTransform(self) -> beam.PTransform:
        return _csv_to_example
