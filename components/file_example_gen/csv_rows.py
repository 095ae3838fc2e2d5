"""CSV rows as tf.Examples outside a pipeline (`schema infer`, `drift`, `predict`), exactly as
CsvExampleGen's executor writes them: TFX's line reader and tfx_bsl's parser, with MISSING cells empty
(csv_text.py: the header, missing cells), then the types and Examples TFX's per-cell steps give, computed
a column at a time (csv_columns.py).

    records = csv_examples(["data/customers.csv"])                        # types inferred, as ExampleGen does
    for batch in csv_example_batches("new.csv", {"age": "INT", "plan": "BYTES"}):   # types from a schema
        ...                                                               # BATCH_ROWS records at a time
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Optional

from tfx.components.example_gen.csv_example_gen import executor as csv_executor
from tfx_bsl.coders import csv_decoder

from tfxflow.components.file_example_gen.csv_columns import BATCH_ROWS, ColumnType, column_types, examples, widest
from tfxflow.components.file_example_gen.csv_text import CsvError, blank_missing, csv_header

_TYPES = {"INT": ColumnType.INT, "FLOAT": ColumnType.FLOAT, "BYTES": ColumnType.STRING}


def csv_examples(paths: Sequence[str], types: Optional[dict[str, str]] = None) -> list[bytes]:
    """Serialized tf.Examples of every row of the CSV files `paths` (one header row each, all the same).
    `types` (column -> INT, FLOAT or BYTES, a schema's) fixes the columns' types; columns it lacks get
    no values. Without it, each column's type is inferred from all rows, as CsvExampleGen does."""
    return list(csv_records(paths, types))


def csv_records(paths: Sequence[str], types: Optional[dict[str, str]] = None) -> Iterator[bytes]:
    """csv_examples, made as they are asked for, BATCH_ROWS rows at a time: memory does not grow with the
    files. Types inferred from all rows take a first pass over the files."""
    columns = _shared_header(paths)
    if types is None:
        types = _inferred_types(paths, columns)
    for path in paths:
        for batch in csv_example_batches(path, types):
            yield from batch


def _inferred_types(paths: Sequence[str], columns: list[str]) -> dict[str, str]:
    """Each column's type as CsvExampleGen infers it from all rows of the files, read a batch at a time."""
    types: dict[str, ColumnType] = {}
    for path in paths:
        rows = iter(_rows(path, columns))
        while batch := list(itertools.islice(rows, BATCH_ROWS)):
            types = widest(types, column_types(batch, columns))
    names = {kind: name for name, kind in _TYPES.items()}
    return {name: names.get(types.get(name, ColumnType.UNKNOWN), "") for name in columns}


def csv_example_batches(path: str, types: dict[str, str], size: int = BATCH_ROWS,
                        finite: bool = False) -> Iterator[list[bytes]]:
    """Serialized tf.Examples of the CSV file's rows, `size` at a time (memory does not grow with the file),
    each column typed by `types` (column -> INT, FLOAT or BYTES; columns it lacks get no values); with
    `finite` (a model's inputs), a NaN or infinite FLOAT value is a CsvError."""
    columns = csv_header(path)
    kinds = {name: _TYPES.get(types.get(name, ""), ColumnType.UNKNOWN) for name in columns}
    rows = iter(_rows(path, columns))
    while batch := list(itertools.islice(rows, size)):
        try:
            yield examples(batch, columns, kinds, finite)
        except ValueError as error:  # a cell that is not of its column's type
            raise CsvError(f"{path}: {' '.join(str(error).split())[:200]}; expected values of the schema's types") \
                from None


def _shared_header(paths: Sequence[str]) -> list[str]:
    if not paths:
        raise CsvError("no CSV files found")
    headers = [csv_header(path) for path in paths]
    if any(header != headers[0] for header in headers):
        raise CsvError(f"{paths[0]}: the CSV files have different header rows; expected one header for all")
    return headers[0]


def _rows(path: str, columns: list[str]) -> Iterable[list[bytes]]:
    """The cells of each record of one file after its header (multi-line quoted cells joined), MISSING
    cells emptied; CsvError for a row of another width or of text that is not UTF-8."""
    reader = csv_decoder.ParseCSVLine(delimiter=",")
    reader.setup()
    records = csv_executor._ReadCsvRecordsFromTextFile().process(path)  # noqa: SLF001  TFX's reader
    number = 1
    while True:
        try:
            line = next(records)
        except StopIteration:
            return
        except UnicodeDecodeError as error:
            raise CsvError(f"{path}: row {number + 1} is not UTF-8 text ({error.reason} at byte {error.start}); "
                           "expected a UTF-8 CSV file") from None
        for cells, _ in reader.process(line):
            number += 1
            cells = blank_missing(cells)
            if cells and len(cells) != len(columns):
                raise CsvError(f"{path}: row {number} has {len(cells)} cells; expected {len(columns)}, one per "
                               "column of the header")
            yield cells
