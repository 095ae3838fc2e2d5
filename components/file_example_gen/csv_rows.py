"""CSV rows as tf.Examples outside a pipeline (`schema infer`, `drift`, `predict`), exactly as
CsvExampleGen's executor writes them: TFX's line reader, tfx_bsl's parser and type inference, and
TFX's row-to-Example conversion, with MISSING cells empty.

    records = csv_examples(["data/customers.csv"])                        # types inferred, as ExampleGen does
    records = csv_examples(["new.csv"], types={"age": "INT", "plan": "BYTES"})   # types from a schema
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Optional

from tfx.components.example_gen.csv_example_gen import executor as csv_executor
from tfx.dsl.io import fileio
from tfx.utils import io_utils
from tfx_bsl.coders import csv_decoder

from tfxflow.components.errors import BadInput
from tfxflow.components.file_example_gen.executor import blank_missing

_TYPES = {"INT": csv_decoder.ColumnType.INT, "FLOAT": csv_decoder.ColumnType.FLOAT,
          "BYTES": csv_decoder.ColumnType.STRING}


class CsvError(BadInput):
    """A CSV file that cannot be read as the pipeline reads it; the message is one line."""


def csv_examples(paths: Sequence[str], types: Optional[dict[str, str]] = None) -> list[bytes]:
    """Serialized tf.Examples of every row of the CSV files `paths` (one header row each, all the same).
    `types` (column -> INT, FLOAT or BYTES, a schema's) fixes the columns' types; columns it lacks get
    no values. Without it, each column's type is inferred from all rows, as CsvExampleGen does."""
    columns = _header(paths)
    rows = [blank_missing(cells) for path in paths for cells in _parsed(path)]
    for number, cells in enumerate(rows, start=2):
        if cells and len(cells) != len(columns):
            raise CsvError(f"{paths[0]}: a row of {len(cells)} cells (row {number} of the files); expected "
                           f"{len(columns)}, one per column of the header")
    if types is None:
        inferrer = csv_decoder.ColumnTypeInferrer(columns, skip_blank_lines=True)
        infos = inferrer.extract_output(inferrer.add_inputs(inferrer.create_accumulator(), rows))
    else:
        infos = [csv_decoder.ColumnInfo(name, _TYPES.get(types.get(name, ""), csv_decoder.ColumnType.UNKNOWN))
                 for name in columns]
    to_example = csv_executor._ParsedCsvToTfExample()  # noqa: SLF001  TFX's own conversion
    try:
        return [example.SerializeToString() for cells in rows for example in to_example.process(cells, infos)]
    except ValueError as error:  # a cell that is not of its column's type
        raise CsvError(f"{paths[0]}: {' '.join(str(error).split())[:200]}; expected values of the schema's types") \
            from None


def _header(paths: Sequence[str]) -> list[str]:
    if not paths:
        raise CsvError("no CSV files found")
    headers = []
    for path in paths:
        try:
            headers.append(io_utils.load_csv_column_names(path))
        except (OSError, StopIteration, UnicodeDecodeError) as error:
            raise CsvError(f"{path}: not a readable CSV file with a header row ({error})") from None
    if any(header != headers[0] for header in headers):
        raise CsvError(f"{paths[0]}: the CSV files have different header rows; expected one header for all")
    return headers[0]


def _parsed(path: str) -> Iterable[list[bytes]]:
    """The cells of each record of one file (after its header), multi-line quoted cells joined."""
    if not fileio.exists(path):
        raise CsvError(f"{path}: no such file")
    reader = csv_decoder.ParseCSVLine(delimiter=",")
    reader.setup()
    for line in csv_executor._ReadCsvRecordsFromTextFile().process(path):  # noqa: SLF001  TFX's reader
        for cells, _ in reader.process(line):
            yield cells
