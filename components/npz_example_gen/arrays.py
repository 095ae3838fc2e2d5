"""Any numeric arrays of an `.npz`, checked as the rows and labels of tf.Examples (examples.py encodes them).

    with Npz("shapes.npz") as npz:
        splits = open_arrays(npz)                          # {"train": Split, "test": Split}, checked
        for x in npz.chunks(splits["train"].images, 1000):
            records = array_examples(x, None, feature="x", label="label")

`x_*` arrays hold N rows of any shape (N, ...) and numeric dtype: each row becomes one feature of
its values in row-major order (int64 for integers and booleans, float for floats), which a schema's
`shape` (e.g. 32 x 32 x 3) gives back its dimensions. `y_*` hold N integer class ids or N strings.
Every check reads only zip entries and .npy headers, and the labels: see mnist_npz.Npz.
"""
from __future__ import annotations

import numpy as np

from tfxflow.components.npz_example_gen.mnist_npz import KEYS, SPLITS, Member, Npz, NpzError, Split


def open_arrays(npz: Npz) -> dict[str, Split]:
    """Each split ("train", "test") of an npz with x_train, y_train, x_test, y_test: numeric rows of one
    shape in both splits, one integer or string label per row. NpzError (one line) for the first problem."""
    missing = [key for key in KEYS if key not in npz.keys]
    if missing:
        raise NpzError(f"{npz.path}: missing key(s) {', '.join(missing)}; expected {', '.join(KEYS)}")
    members = {key: npz.member(key) for key in KEYS}
    check_rows(npz.path, members["x_train"])
    check_rows(npz.path, members["x_test"], like=members["x_train"])
    return {split: Split(members[x_key], read_labels(npz, members[y_key], members[x_key]))
            for split, (x_key, y_key) in SPLITS.items()}


def check_rows(path: object, rows: Member, like: Member | None = None) -> None:
    """Raises NpzError unless the header says N >= 1 numeric rows (of `like`'s row shape and kind)."""
    where = f"{path}: {rows.key}:"
    if rows.dtype.kind not in "biuf":
        raise NpzError(f"{where} dtype {rows.dtype}; expected numbers (integers, floats or booleans)")
    if not rows.shape or rows.shape[0] == 0:
        raise NpzError(f"{where} shape {rows.shape}; expected N >= 1 rows, (N, ...)")
    if like is not None and (rows.shape[1:] != like.shape[1:] or _kind(rows) != _kind(like)):
        raise NpzError(f"{where} rows of shape {rows.shape[1:]} and dtype {rows.dtype}; expected those of "
                       f"{like.key}, {like.shape[1:]} and {like.dtype}")


def read_labels(npz: Npz, labels: Member, rows: Member) -> np.ndarray:
    """The labels, read whole and checked: one integer class id, string or (for a regression) finite
    float per row of `rows`."""
    where = f"{npz.path}: {labels.key}:"
    if len(labels.shape) != 1 or labels.dtype.kind not in "iuUSf":
        raise NpzError(f"{where} {labels.dtype} array of shape {labels.shape}; expected N integer class ids, "
                       "N strings or N floats")
    if labels.shape[0] != rows.shape[0]:
        raise NpzError(f"{where} {labels.shape[0]} labels for {rows.shape[0]} rows in {rows.key}; expected equal "
                       "counts")
    values = npz.read(labels)
    if values.dtype.kind in "iu" and len(values) and values.min() < 0:
        raise NpzError(f"{where} a label of {values.min()}; expected class ids 0..N-1")
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        raise NpzError(f"{where} label {bad} is {values[bad]}; expected finite numbers")
    return values


def _kind(member: Member) -> str:
    return "float" if member.dtype.kind == "f" else "int"

