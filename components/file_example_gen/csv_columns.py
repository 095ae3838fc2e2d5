"""Parsed CSV rows, a batch at a time, as column types and as serialized tf.Examples: the values TFX's
per-cell steps give (tfx_bsl's `ColumnTypeInferrer`, TFX's `_ParsedCsvToTfExample`), computed a column at
a time and serialized by tfx_bsl's C++ encoder. Cell by cell, a table of 1,000 columns x 10,000 rows took
CsvExampleGen 90 s (bench/wide_data.py).

    types = column_types(rows, ["age", "plan"])        # {"age": ColumnType.INT, "plan": ColumnType.STRING}
    records = examples(rows, ["age", "plan"], types)   # one serialized tf.Example per row that is not blank

`rows` are lists of cells (bytes) as tfx_bsl's ParseCSVLine gives them, MISSING cells emptied
(csv_text.blank_missing); blank rows ([]) are skipped, as TFX skips them.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
from tfx_bsl.coders import csv_decoder, example_coder

ColumnType = csv_decoder.ColumnType
# Rows per batch: a batch of 1,000 columns holds about 10 MB of cells.
BATCH_ROWS = 1024
_INT64 = np.iinfo(np.int64)
_ARROW_TYPES = {ColumnType.INT: pa.int64(), ColumnType.FLOAT: pa.float32(), ColumnType.STRING: pa.large_binary()}
_CONVERT = {ColumnType.INT: int, ColumnType.FLOAT: float, ColumnType.STRING: bytes}


def column_types(rows: Sequence[list[bytes]], columns: Sequence[str]) -> dict[str, ColumnType]:
    """Each column's type as ColumnTypeInferrer infers it from `rows`: the highest of its cells' types
    (INT < FLOAT < STRING; an integer beyond int64 is a STRING), UNKNOWN where every cell is empty.
    ValueError for a row of another width."""
    return {name: _column_type(cells) for name, cells in zip(columns, _columns(rows, len(columns)), strict=True)}


def widest(first: dict[str, ColumnType], second: dict[str, ColumnType]) -> dict[str, ColumnType]:
    """Two batches' column types merged, as ColumnTypeInferrer merges its accumulators."""
    return {name: max(first.get(name, ColumnType.UNKNOWN), second.get(name, ColumnType.UNKNOWN))
            for name in {**first, **second}}


def examples(rows: Sequence[list[bytes]], columns: Sequence[str], types: dict[str, ColumnType],
             finite: bool = False) -> list[bytes]:
    """A serialized tf.Example per row that is not blank, with the features TFX writes: each typed column's
    value (an empty cell: an empty list of its type), an UNKNOWN column's feature with no value list.
    ValueError, with Python's message (`invalid literal for int() ...: b'x'`), for a cell not of its type,
    and, if `finite` (a model's inputs), for a FLOAT cell that is NaN or infinite."""
    cells = _columns(rows, len(columns))
    if not cells or not cells[0]:
        return []
    for name, column in zip(columns, cells, strict=True):
        if finite and types.get(name) == ColumnType.FLOAT:
            _check_finite(name, column)
    arrays = [_array(column, types.get(name, ColumnType.UNKNOWN)) for name, column in zip(columns, cells, strict=True)]
    return example_coder.RecordBatchToExamplesEncoder().encode(pa.RecordBatch.from_arrays(arrays, list(columns)))


def _columns(rows: Sequence[list[bytes]], width: int) -> list[tuple[bytes, ...]]:
    full = [row for row in rows if row]
    for row in full:
        if len(row) != width:
            raise ValueError(f"Columns do not match specified csv headers: a row of {len(row)} cells, for "
                             f"{width} columns")
    return list(zip(*full)) if full else []


def _check_finite(name: str, cells: tuple[bytes, ...]) -> None:
    present = [cell for cell in cells if cell]
    for cell, value in zip(present, np.array(list(map(float, present)), np.float64)):
        if not np.isfinite(value):
            raise ValueError(f"column {name} holds {cell.decode()!r}, not a finite number")


def _column_type(cells: tuple[bytes, ...]) -> ColumnType:
    values = [cell for cell in cells if cell]
    if not values:
        return ColumnType.UNKNOWN
    try:
        numbers = list(map(int, values))
    except ValueError:
        pass
    else:
        return ColumnType.INT if _INT64.min <= min(numbers) and max(numbers) <= _INT64.max else ColumnType.STRING
    try:
        floats = np.array(list(map(float, values)))
    except ValueError:
        return ColumnType.STRING
    # An integer cell beyond int64 (and so |value| >= 2**63 as a float) makes its column a STRING one.
    beyond = np.flatnonzero(np.abs(floats) >= 2.0 ** 63)
    if any(csv_decoder._InferValueType(values[i]) == ColumnType.STRING for i in beyond):  # noqa: SLF001
        return ColumnType.STRING
    return ColumnType.FLOAT


def _array(cells: tuple[bytes, ...], kind: ColumnType) -> pa.Array:
    """One column as lists of at most one value: [] for an empty cell; null (a feature with no value
    list) throughout for an UNKNOWN column."""
    if kind not in _ARROW_TYPES:
        return pa.nulls(len(cells), pa.large_list(pa.int64()))
    present = [cell for cell in cells if cell]
    values = list(map(_CONVERT[kind], present))
    if kind == ColumnType.INT and values and not (_INT64.min <= min(values) and max(values) <= _INT64.max):
        raise ValueError(f"Value out of range: {max(values, key=abs)}")  # as Int64List says
    if kind == ColumnType.FLOAT:  # rounded to float32 as protobuf's FloatList stores a Python float
        with np.errstate(over="ignore"):  # beyond float32: infinite, as there
            values = np.array(values, np.float64).astype(np.float32)
    offsets = np.concatenate([[0], np.cumsum([bool(cell) for cell in cells])]) if len(present) < len(cells) else \
        np.arange(len(cells) + 1)
    return pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), pa.array(values, _ARROW_TYPES[kind]))
