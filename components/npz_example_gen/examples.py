"""Array rows as serialized tf.Examples: one feature per row, plus its label, in one vectorized call.

    records = array_examples(x, y, feature="image", label="label")   # x: (N, ...) numbers, y: N labels or None

Each row becomes one feature of its values in row-major order: int64 for integers and booleans,
float32 for floats, bytes for strings. A schema's `shape` (e.g. 32 x 32 x 3) gives back its
dimensions. What the rows are (checked arrays of any npz, MNIST's images, a decoded PNG) is the
caller's: this module reads no file.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
from tfx_bsl.coders import example_coder


def array_examples(x: np.ndarray, y: np.ndarray | None, feature: str, label: str) -> list[bytes]:
    """Serialized tf.Examples, one per row of `x` (and label of `y`, unless None), in one vectorized call."""
    columns = {feature: _values(np.asarray(x).reshape(len(x), -1))}
    if y is not None:
        columns[label] = _values(np.asarray(y).reshape(len(y), 1))
    return example_coder.RecordBatchToExamples(pa.RecordBatch.from_arrays(list(columns.values()), list(columns)))


def _values(rows: np.ndarray) -> pa.ListArray:
    """Each row as one list: int64 for integers and booleans, float32 for floats, bytes for strings."""
    if rows.dtype.kind == "f":
        flat = pa.array(np.ascontiguousarray(rows, dtype=np.float32).ravel())
    elif rows.dtype.kind in "US":
        flat = pa.array([str(value).encode("utf-8") if rows.dtype.kind == "U" else bytes(value)
                         for value in rows.ravel()], pa.binary())
    else:
        flat = pa.array(np.ascontiguousarray(rows, dtype=np.int64).ravel())
    offsets = pa.array(np.arange(0, len(flat) + 1, max(1, rows.shape[1]), dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, flat)
