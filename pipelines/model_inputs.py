"""What a pushed model reads, from the schema and ingest kind it was trained with, and the readers of input
files as examples for it that the ingest kinds' `prediction_examples` use.

    layout = model_layout(Path("runs/churn/serving/1795400226"))   # assets.extra/input_schema.pbtxt, model_info.json
    check_csv(layout, Path("new_customers.csv"))                    # its header, before the model loads
    for examples in read_csv(layout, Path("new_customers.csv")):    # Examples: BATCH rows at a time
        examples.names, examples.records                             # serialized tf.Examples

The model's own serving signature parses and transforms the raw examples, so the examples only
need the raw features the schema names, of its types: CSV rows typed by the schema, npz rows as
the one feature a model of one feature reads, image files decoded to the image feature's
H x W x C, and TFRecords of tf.Examples as they are. Sizes are checked from headers before
anything is decoded; every problem is one PredictError line naming the file.
"""
from __future__ import annotations

import dataclasses
import gzip
import json
import math
import os
import struct
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tfxflow.components.atomic_pusher.versions import is_complete, newest_version
from tfxflow.components.errors import BadInput
from tfxflow.components.schema_text import read_schema
from tfxflow.components.object_store import filesystem, read_file

if TYPE_CHECKING:
    from tfxflow.pipelines.prediction import Prediction

# As the Trainer writes them (keras_training.py): the features the model reads, and its label and ingest kind.
INPUT_SCHEMA = "assets.extra/input_schema.pbtxt"
MODEL_INFO = "assets.extra/model_info.json"
# Rows per model call.
BATCH = 1024
# Arrays an npz of new data may hold rows under without labels (`tfxflow drift`, `predict`), by preference.
ROW_KEYS = ("x_test", "x", "images", "x_train")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
TFRECORD_SUFFIXES = {".tfrecord", ".tfrecords", ".gz"}
# What models pushed before tfxflow kept their schema read: MNIST's image.
_MNIST = {"image": ("INT", (784,))}


class PredictError(BadInput):
    """An input or model that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Layout:
    """A pushed model's raw input features, name -> (INT, FLOAT or BYTES, shape), the ingest kind it was
    trained from (`ingest.kind` as the pipeline file names it; None for a model pushed before it was recorded)
    and the features its schema lets be missing (a presence below 100 %)."""

    features: dict[str, tuple[str, tuple[int, ...]]]
    kind: str | None = None
    optional: frozenset[str] = frozenset()  # features the schema lets be missing from an example

    @property
    def mnist(self) -> bool:
        """Whether the model reads MNIST's 28 x 28 images as tfxflow's first MNIST models did."""
        return self.features == _MNIST

    def one_feature(self, path: Path, what: str) -> tuple[str, tuple[str, tuple[int, ...]]]:
        if len(self.features) != 1:
            raise PredictError(f"{path}: {what} holds one array, but the model reads {len(self.features)} features "
                               f"({', '.join(self.features)}); give CSV rows or TFRecords of tf.Examples")
        return next(iter(self.features.items()))


@dataclass(frozen=True)
class Examples:
    """A batch of one input as serialized tf.Examples for the model, each named (`digits.npz[3]`), with what
    `tfxflow predict` tells besides the predictions.

        Examples([f"{path}[0]"], [example.SerializeToString()])
    """

    names: list[str]
    records: list[bytes]
    notices: tuple[str, ...] = ()  # lines for stderr, each naming its example (mnist: an image was inverted)

    def details(self, predictions: list[Prediction]) -> list[dict[str, Any]]:
        """More `--json` fields for each example, given its prediction (mnist: `digit` and `inverted`)."""
        return [{} for _ in predictions]


def version_directory(path: str | Path) -> str:
    """A pushed version directory, or the newest complete version in a serving directory (a local path
    or a URI such as s3://bucket/serving)."""
    location = str(path)
    if is_complete(location):
        return location
    newest = newest_version(location)
    if newest is None:
        raise PredictError(f"{path}: no saved_model.pb and no numbered versions; expected a pushed model directory")
    return newest.path


def model_layout(path: str | Path) -> Layout:
    """What the model at `path` reads, and its ingest kind; PredictError for a path that holds no pushed
    model. A model with no input schema beside it is read as MNIST's, as tfxflow pushed them first."""
    directory = version_directory(path)
    schema_file = os.path.join(directory, INPUT_SCHEMA)
    if not filesystem(schema_file).exists(schema_file):
        return Layout(_MNIST, _kind(directory))
    from tensorflow_metadata.proto.v0 import schema_pb2

    schema = read_schema(schema_file)
    features = {f.name: (schema_pb2.FeatureType.Name(f.type), tuple(d.size for d in f.shape.dim))
                for f in schema.feature}
    optional = frozenset(f.name for f in schema.feature if f.presence.min_fraction < 1)
    return Layout(features, _kind(directory), optional)


def check_tfrecords(path: Path) -> None:
    """Raises PredictError unless every record of each file of the input (a file, or every file under a
    directory; read through gzip for .gz) is whole: its length, the length's checksum and the data's. The
    files are read a record at a time, so memory does not grow with them."""
    for file in _tfrecord_files(path):
        try:
            with open(file, "rb") as raw:
                _check_records(file, gzip.GzipFile(fileobj=raw) if file.suffix == ".gz" else raw)
        except (gzip.BadGzipFile, EOFError, zlib.error) as error:
            raise PredictError(f"{file}: not gzipped ({error}); expected TFRecords of tf.Examples") from None
        except OSError as error:
            raise PredictError(f"{file}: cannot be read ({error.strerror})") from None


def _check_records(file: Path, stream) -> None:
    """Each record of a TFRecord stream: 8 bytes of length, its masked CRC-32C, the data and the data's."""
    import google_crc32c

    number = 0
    while head := stream.read(12):
        where = "at its start" if number == 0 else f"at record {number}"
        if len(head) < 12 or struct.unpack("<I", head[8:])[0] != _masked_crc32c(head[:8]):
            raise PredictError(f"{file}: not a TFRecord file (no record header {where}); expected TFRecords of "
                               "tf.Examples (a file, .gz or a directory)")
        checksum, remaining = google_crc32c.Checksum(), struct.unpack("<Q", head[:8])[0]
        while remaining and (chunk := stream.read(min(remaining, 1 << 20))):  # a claimed length is not allocated
            checksum.update(chunk)
            remaining -= len(chunk)
        footer = stream.read(4)
        crc = _mask(int.from_bytes(checksum.digest(), "big"))
        if remaining or len(footer) < 4 or struct.unpack("<I", footer)[0] != crc:
            raise PredictError(f"{file}: record {number} is cut short or corrupt (its checksum differs); expected "
                               "whole TFRecords of tf.Examples")
        number += 1


def read_tfrecords(path: Path) -> Iterator[Examples]:
    """The records of the TFRecord file `path` (gzipped if .gz), or of every file under the directory
    `path` in order, BATCH at a time, named by their place in the input."""
    import tensorflow as tf

    start = 0
    try:
        for file in _tfrecord_files(path):
            records = tf.data.TFRecordDataset(str(file), "GZIP" if file.suffix == ".gz" else "")
            for batch in records.batch(BATCH).as_numpy_iterator():
                yield _named(path, list(batch), start)
                start += len(batch)
    except tf.errors.OpError as error:
        raise PredictError(f"{path}: not readable as TFRecords ({error.message.splitlines()[0]})") from None


def check_csv(layout: Layout, path: Path) -> list[str]:
    """The model's features the file's header lacks, which the schema lets be missing; PredictError (one
    line) for a header that lacks another (naming the columns the model does not read beside it: `Age` for
    `age`), for no header row or no rows after it. The header is read as the pipeline reads it (csv_text)."""
    from tfxflow.components.file_example_gen.csv_text import csv_header

    header = csv_header(str(path))
    missing = [name for name in layout.features if name not in header]
    required = [name for name in missing if name not in layout.optional]
    if required:
        unexpected = [column for column in header if column not in layout.features]
        raise PredictError(f"{path}: no column {', '.join(required)}, which the model reads; the header's other "
                           f"columns: {', '.join(unexpected) or 'none'}; expected a column of each feature "
                           f"({', '.join(layout.features)})")
    with open(path, "rb") as file:
        file.readline()  # the header, checked above
        if not any(line.strip() for line in file):
            raise PredictError(f"{path}: no rows after the header; expected a row per example")
    return missing


def read_csv(layout: Layout, path: Path) -> Iterator[Examples]:
    """The CSV file's rows typed by the model's schema, BATCH at a time (memory does not grow with the file;
    CsvError, one line, for a row that is not of its types or a NaN or infinite number), the first batch
    with a notice for each feature the header lacks and the schema lets be missing."""
    from tfxflow.components.file_example_gen.csv_rows import csv_example_batches

    notices = tuple(f"{path}: no column {name}; the model's schema lets it be missing, so every row is read "
                    "without it" for name in check_csv(layout, path))
    start = 0
    types = {name: kind for name, (kind, _) in layout.features.items()}
    for records in csv_example_batches(str(path), types, BATCH, finite=True):
        yield dataclasses.replace(_named(path, records, start), notices=notices if start == 0 else ())
        start += len(records)


def check_npz_rows(layout: Layout, path: Path) -> tuple[str, str, str]:
    """The npz array holding the rows of the model's one feature, that feature and its type (INT or FLOAT),
    from the zip entries and .npy header; PredictError or NpzError otherwise."""
    from tfxflow.components.npz_example_gen.arrays import check_rows
    from tfxflow.components.npz_example_gen.mnist_npz import Npz

    name, (kind, shape) = layout.one_feature(path, "an npz")
    with Npz(path) as npz:
        key = next((key for key in ROW_KEYS if key in npz.keys), None)
        if key is None:
            raise PredictError(f"{path}: no rows under {', '.join(ROW_KEYS)}; found {', '.join(npz.keys)}")
        rows = npz.member(key)
        check_rows(path, rows)
    if math.prod(rows.shape[1:]) != math.prod(shape):
        raise PredictError(f"{path}: {key}: rows of shape {rows.shape[1:]}; expected {math.prod(shape)} values "
                           f"(the model's {name}, shape {list(shape)})")
    return key, name, kind


def read_npz_rows(layout: Layout, path: Path) -> Iterator[Examples]:
    """Each row of the npz as the model's one feature, BATCH rows read at a time."""
    from tfxflow.components.npz_example_gen.examples import array_examples
    from tfxflow.components.npz_example_gen.mnist_npz import Npz

    key, name, kind = check_npz_rows(layout, path)
    start = 0
    with Npz(path) as npz:
        for rows in npz.chunks(npz.member(key), BATCH):
            rows = _values(path, key, rows, start, kind, name)
            yield _named(path, array_examples(rows, None, name, ""), start)
            start += len(rows)


def _values(path: Path, key: str, rows: np.ndarray, start: int, kind: str, name: str) -> np.ndarray:
    """`rows` as the model's feature `name` takes them (float32 for FLOAT, int64 for INT); PredictError (one
    line, naming the first row) for a value that is not a finite number, or not a whole one for INT."""
    if rows.dtype.kind == "f":
        flat = rows.reshape(len(rows), -1)
        bad = ~np.isfinite(flat) if kind == "FLOAT" else ~np.isfinite(flat) | (flat != np.round(flat))
        if bad.any():
            row = int(bad.any(axis=1).argmax())
            expected = "finite numbers" if kind == "FLOAT" else "whole numbers"
            raise PredictError(f"{path}: {key}[{start + row}] holds {float(flat[row][bad[row]][0])!r}; expected "
                               f"{expected} (the model's {name} is {kind})")
    return rows.astype(np.float32 if kind == "FLOAT" else np.int64)


def check_image(layout: Layout, path: Path) -> tuple[str, tuple[int, ...]]:
    """The model's image feature and its shape, once the file's header says an image of its size."""
    from PIL import Image, UnidentifiedImageError

    name, (_, shape) = layout.one_feature(path, "an image file")
    if len(shape) not in (2, 3):
        raise PredictError(f"{path}: the model's {name} is not an image (shape {list(shape)})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the size check refuses it
            with Image.open(path) as image:
                size = image.size
    except Image.DecompressionBombError:
        raise PredictError(f"{path}: image is over {2 * Image.MAX_IMAGE_PIXELS:,} pixels; expected "
                           f"{shape[1]}x{shape[0]}") from None
    except (UnidentifiedImageError, OSError) as error:
        raise PredictError(f"{path}: not an image ({error})") from None
    if size != (shape[1], shape[0]):
        raise PredictError(f"{path}: image is {size[0]}x{size[1]}; expected {shape[1]}x{shape[0]} (the model's {name})")
    return name, shape


def read_image(layout: Layout, path: Path) -> Iterator[Examples]:
    """The image file decoded to the model's image feature (H x W, or H x W x 1, 3 or 4 channels)."""
    from PIL import Image

    from tfxflow.components.npz_example_gen.examples import array_examples

    name, shape = check_image(layout, path)
    channels = shape[2] if len(shape) == 3 else 1
    mode = {1: "L", 3: "RGB", 4: "RGBA"}.get(channels)
    if mode is None:
        raise PredictError(f"{path}: the model's {name} has {channels} channels; image files give 1, 3 or 4")
    with Image.open(path) as image:
        pixels = np.asarray(image.convert(mode), np.int64)
    kind = layout.features[name][0]
    yield Examples([str(path)], array_examples(pixels[None].astype(np.float32 if kind == "FLOAT" else np.int64),
                                               None, name, ""))


def _named(path: Path, records: list[bytes], start: int) -> Examples:
    return Examples([f"{path}[{i}]" for i in range(start, start + len(records))], records)


def _kind(directory: str) -> str | None:
    """The `kind` of the model's model_info.json; None without one (a file tfxflow did not write counts as none)."""
    data = read_file(os.path.join(directory, MODEL_INFO))
    try:
        kind = json.loads(data)["kind"] if data is not None else None
    except (ValueError, KeyError, TypeError):
        return None
    return kind if isinstance(kind, str) and kind else None


def _tfrecord_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(file for file in path.rglob("*") if file.is_file())
        if not files:
            raise PredictError(f"{path}: an empty directory; expected TFRecord files of tf.Examples")
        return files
    return [path]


def _masked_crc32c(data: bytes) -> int:
    """The checksum TFRecords give a record's length and data: CRC-32C, masked (tensorflow/tsl/lib/hash/crc32c.h)."""
    import google_crc32c

    return _mask(google_crc32c.value(data))


def _mask(crc: int) -> int:
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF
