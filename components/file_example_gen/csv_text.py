"""What every reader of a CSV file shares (CsvExampleGen's executor, and csv_rows for `schema infer`,
`drift` and `predict`): the header row, and the cells read as missing values.

    csv_header("customers.csv")          # ["age", "income", "region", "tenure", "plan"]: no BOM, no name twice
    blank_missing([b"3", b"NA", b"pro"])   # [b"3", b"", b"pro"]
"""
from __future__ import annotations

import csv
import io
from collections import Counter

from tfx.dsl.io import fileio

from tfxflow.components.errors import BadInput

BOM = "\ufeff"
# A header row longer than this is not one (a file of a single huge line is refused, not read whole).
MAX_HEADER_BYTES = 1 << 20
# Cells read as missing values (compared after stripping spaces).
MISSING = ("", "NA")


def blank_missing(cells: list[bytes | str]) -> list[bytes | str]:
    """The parsed cells of one CSV line with each MISSING marker emptied.

        blank_missing([b"3", b"NA", b"pro"])   # [b"3", b"", b"pro"]
    """
    return [cell[:0] if _text(cell).strip() in MISSING else cell for cell in cells]


def _text(cell: bytes | str) -> str:
    return cell.decode("utf-8", "replace") if isinstance(cell, bytes) else cell


class CsvError(BadInput):
    """A CSV file that cannot be read as the pipeline reads it; the message is one line."""


def csv_header(path: str) -> list[str]:
    """The column names of the CSV file's header row, a UTF-8 BOM dropped; CsvError (one line) for a file
    without one, a header that is not UTF-8 text, or a column named twice.

        csv_header("customers.csv")   # ["age", "income", "region", "tenure", "plan"]
    """
    if not fileio.exists(path):
        raise CsvError(f"{path}: no such file")
    with fileio.open(path, "rb") as file:
        head = file.read(MAX_HEADER_BYTES)
    line, newline, _ = head.partition(b"\n")
    if not newline and len(head) == MAX_HEADER_BYTES:
        raise CsvError(f"{path}: no header row in its first {MAX_HEADER_BYTES:,} bytes; expected a CSV file with a "
                       "header row")
    text = _utf8(path, line, "its header row").removeprefix(BOM)
    columns = next(csv.reader(io.StringIO(text)), [])
    if not [column for column in columns if column.strip()]:
        raise CsvError(f"{path}: no header row; expected a first row naming the columns")
    repeated = sorted(column for column, count in Counter(columns).items() if count > 1)
    if repeated:
        raise CsvError(f"{path}: the header names {', '.join(repr(column) for column in repeated)} more than once; "
                       "expected each column once")
    return columns


def _utf8(path: str, data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CsvError(f"{path}: {what} is not UTF-8 text ({error.reason} at byte {error.start}); expected a UTF-8 "
                       "CSV file") from None
