"""csv_columns computes, a column at a time, what TFX's per-cell CSV steps compute: the same column types as
tfx_bsl's ColumnTypeInferrer and the same tf.Examples as TFX's _ParsedCsvToTfExample, on cells chosen to
sit on every boundary of Python's int() and float() and of int64 and float32."""
import itertools

import numpy as np
import pytest
import tensorflow as tf
from tfx.components.example_gen.csv_example_gen import executor as csv_executor
from tfx_bsl.coders import csv_decoder

from tfxflow.components.file_example_gen.csv_columns import column_types, examples, widest

CELLS = [b"1", b"-7", b" 12 ", b"1_000", b"+5", b"007", b"9223372036854775807", b"9223372036854775808",
         b"-9223372036854775808", b"-9223372036854775809", b"99999999999999999999999", b"1.5", b"-0.0", b"1e5",
         b"1E-45", b"nan", b"inf", b"-Infinity", b"1e300", b"3.4028235e38", b"3.4028236e38", b"-3.4028236e38",
         b"9.3e18", b"abc", b"", b"0x10", b"1.", b".5", "\u00e9".encode(), "\u0661".encode(), b"1,5", b" "]


def tfx_types(rows, names):
    inferrer = csv_decoder.ColumnTypeInferrer(names, skip_blank_lines=True)
    accumulator = inferrer.create_accumulator()
    for row in rows:
        accumulator = inferrer.add_input(accumulator, row)
    return inferrer.extract_output(accumulator)


def canonical(records):
    """Each serialized tf.Example re-serialized with its features in name order, to compare as bytes
    (NaN values compare unequal as numbers)."""
    return [tf.train.Example.FromString(record).SerializeToString(deterministic=True) for record in records]


@pytest.fixture(scope="module")
def table():
    """300 columns of 6 rows (and a blank row), each column's cells drawn from CELLS: every pair of them
    meets in some column."""
    rng = np.random.default_rng(7)
    pairs = list(itertools.combinations(CELLS, 2))
    columns = [list(pair) + list(rng.choice(CELLS, 4)) for pair in pairs[:200]]
    columns += [list(rng.choice(CELLS, 6)) for _ in range(100)]
    columns += [[b""] * 6, [b"3"] * 6]  # an UNKNOWN column, a column of one value
    names = [f"c{i}" for i in range(len(columns))]
    rows = [list(row) for row in zip(*columns)]
    return names, rows[:3] + [[]] + rows[3:]


def test_column_types_are_tfx_bsls(table):
    names, rows = table
    ours = column_types(rows, names)
    theirs = tfx_types(rows, names)
    assert [ours[info.name] for info in theirs] == [info.type for info in theirs]
    assert len(set(ours.values())) == 4  # every type occurs


def test_examples_are_tfxs(table):
    names, rows = table
    infos = tfx_types(rows, names)
    to_example = csv_executor._ParsedCsvToTfExample()  # noqa: SLF001  TFX's own conversion
    theirs = [example.SerializeToString() for row in rows for example in to_example.process(row, infos)]
    ours = examples(rows, names, {info.name: info.type for info in infos})
    assert len(ours) == len(theirs) == 6
    assert canonical(ours) == canonical(theirs)


def test_batches_merge_to_the_types_of_all_rows(table):
    names, rows = table
    merged = widest(column_types(rows[:3], names), column_types(rows[3:], names))
    assert merged == column_types(rows, names)


@pytest.mark.parametrize(("cell", "message"), [(b"x", "invalid literal for int() with base 10: b'x'"),
                                               (b"9223372036854775808", "Value out of range")])
def test_a_cell_not_of_its_given_type_is_a_value_error(cell, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        examples([[b"1"], [cell]], ["n"], {"n": csv_decoder.ColumnType.INT})


def test_a_row_of_another_width_is_a_value_error():
    with pytest.raises(ValueError, match="a row of 3 cells, for 2 columns"):
        column_types([[b"1", b"2"], [b"1", b"2", b"3"]], ["a", "b"])
