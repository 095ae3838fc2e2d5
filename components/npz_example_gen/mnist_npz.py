"""Reading and checking an MNIST `.npz` (as `keras.datasets.mnist` ships it), as plain numpy.

    arrays = load_mnist("mnist.npz")       # {"x_train": (N, 28, 28) uint8, "y_train": (N,), ...}
    records = to_serialized_examples(arrays["x_train"], arrays["y_train"])

Every problem is one NpzError line naming the file, the key and what was expected.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from tfx_bsl.coders import example_coder

IMAGE = "image"
LABEL = "label"
SPLITS = {"train": ("x_train", "y_train"), "test": ("x_test", "y_test")}
KEYS = [key for pair in SPLITS.values() for key in pair]
IMAGE_SHAPE = (28, 28)


class NpzError(ValueError):
    """The file is not a usable MNIST npz; the message says where and what was expected."""


def load_mnist(path: str | Path) -> dict[str, np.ndarray]:
    """The four arrays of an MNIST npz, checked: uint8 N x 28 x 28 images, labels 0-9, equal counts."""
    arrays = _read_arrays(path)
    for x_key, y_key in SPLITS.values():
        check_split(path, x_key, arrays[x_key], y_key, arrays[y_key])
    return arrays


def check_split(path: str | Path, x_key: str, x: np.ndarray, y_key: str, y: np.ndarray) -> None:
    """Raises NpzError unless x is non-empty uint8 N x 28 x 28 and y holds N integer labels in 0-9."""
    check_images(path, x_key, x)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise NpzError(f"{path}: {y_key}: {y.dtype} array of shape {y.shape}; expected N integer labels")
    if len(y) != len(x):
        raise NpzError(f"{path}: {y_key}: {len(y)} labels for {len(x)} images in {x_key}; expected equal counts")
    low, high = int(y.min()), int(y.max())
    if low < 0 or high > 9:
        raise NpzError(f"{path}: {y_key}: labels range over {low}..{high}; expected digits 0-9")


def check_images(path: str | Path, x_key: str, x: np.ndarray) -> None:
    """Raises NpzError unless x is non-empty uint8 N x 28 x 28."""
    if x.dtype != np.uint8:
        raise NpzError(f"{path}: {x_key}: images have dtype {x.dtype}; expected uint8 pixels 0-255")
    if x.ndim != 3 or x.shape[1:] != IMAGE_SHAPE:
        raise NpzError(f"{path}: {x_key}: shape {x.shape}; expected (N, 28, 28)")
    if len(x) == 0:
        raise NpzError(f"{path}: {x_key}: no images; expected at least one")


def to_serialized_examples(x: np.ndarray, y: np.ndarray | None = None) -> list[bytes]:
    """Serialized tf.Examples (`image`: 784 ints, `label`: 1 int unless y is None), in one vectorized call."""
    columns = {IMAGE: np.asarray(x).reshape(len(x), -1)}
    if y is not None:
        columns[LABEL] = np.asarray(y).reshape(len(y), 1)
    lists = [_int64_lists(values) for values in columns.values()]
    return example_coder.RecordBatchToExamples(pa.RecordBatch.from_arrays(lists, list(columns)))


def _int64_lists(rows: np.ndarray) -> pa.ListArray:
    flat = np.ascontiguousarray(rows, dtype=np.int64).ravel()
    return pa.ListArray.from_arrays(pa.array(np.arange(0, flat.size + 1, rows.shape[1], dtype=np.int32)), flat)


def _open(path: str | Path) -> Any:
    """A local path as is; a URI (gs://, s3://, hdfs://, file://) as a seekable tf.io.gfile stream."""
    if "://" not in str(path):
        return path
    import tensorflow as tf  # only for URIs: local reads stay free of TensorFlow

    if not tf.io.gfile.exists(str(path)):
        raise FileNotFoundError(path)
    return tf.io.gfile.GFile(str(path), "rb")


def _check_header(path: str | Path, archive: zipfile.ZipFile, key: str) -> None:
    """Refuses an array whose header claims more data than its member holds, before anything is allocated."""
    member = archive.getinfo(f"{key}.npy")
    with archive.open(member) as stream:
        try:
            version = np.lib.format.read_magic(stream)
            shape, _, dtype = np.lib.format._read_array_header(stream, version)  # noqa: SLF001 (numpy's own reader)
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
            raise NpzError(f"{path}: {key}: unreadable array header ({error})") from None
        claimed = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if claimed > member.file_size:
            raise NpzError(
                f"{path}: {key}: header claims shape {shape} of {dtype} ({claimed:,} bytes) but the array holds "
                f"{member.file_size:,}; expected a consistent .npy"
            )


def _read_arrays(path: str | Path) -> dict[str, np.ndarray]:
    try:
        archive = np.load(_open(path), allow_pickle=False)
    except FileNotFoundError:
        raise NpzError(f"{path}: no such file; expected an MNIST .npz") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise NpzError(f"{path}: not a readable .npz file ({error})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise NpzError(f"{path}: a single .npy array; expected an .npz archive with keys {', '.join(KEYS)}")
    with archive:
        missing = [key for key in KEYS if key not in archive.files]
        if missing:
            raise NpzError(f"{path}: missing key(s) {', '.join(missing)}; expected {', '.join(KEYS)}")
        arrays = {}
        for key in KEYS:
            _check_header(path, archive.zip, key)
            try:
                arrays[key] = archive[key]
            except ValueError as error:
                if "allow_pickle" in str(error):
                    raise NpzError(f"{path}: {key}: an object array; expected a numeric array") from None
                raise NpzError(f"{path}: {key}: unreadable ({error})") from None
            except (OSError, EOFError, zipfile.BadZipFile) as error:
                raise NpzError(f"{path}: {key}: truncated or corrupt ({error})") from None
    return arrays
