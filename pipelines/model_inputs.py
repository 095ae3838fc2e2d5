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

import csv
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
    """A pushed model's raw input features, name -> (INT, FLOAT or BYTES, shape), and the ingest kind it was
    trained from (`ingest.kind` as the pipeline file names it; None for a model pushed before it was recorded)."""

    features: dict[str, tuple[str, tuple[int, ...]]]
    kind: str | None = None

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
    """What the model at `path` reads, and its ingest kind. A model with no input schema beside it is read
    as MNIST's, as tfxflow pushed them first, and so is a directory that is no model, whose error comes
    when it is loaded."""
    try:
        directory = version_directory(path)
    except PredictError:
        return Layout(_MNIST)  # inputs are checked first; the directory's own error comes when it is loaded
    return Layout(_features(directory), _kind(directory))


def check_tfrecords(path: Path) -> None:
    """Raises PredictError unless each file of the input (a file, or every file under a directory) starts
    as TFRecords do: its first record's length and that length's checksum (read through gzip for .gz)."""
    for file in _tfrecord_files(path):
        try:
            with open(file, "rb") as raw:
                head = gzip.GzipFile(fileobj=raw).read(12) if file.suffix == ".gz" else raw.read(12)
        except (gzip.BadGzipFile, EOFError, zlib.error) as error:
            raise PredictError(f"{file}: not gzipped ({error}); expected TFRecords of tf.Examples") from None
        except OSError as error:
            raise PredictError(f"{file}: cannot be read ({error.strerror})") from None
        if head and (len(head) < 12 or struct.unpack("<I", head[8:])[0] != _masked_crc32c(head[:8])):
            raise PredictError(f"{file}: not a TFRecord file (no record header at its start); expected TFRecords "
                               "of tf.Examples (a file, .gz or a directory)")


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


def check_csv(layout: Layout, path: Path) -> None:
    """Raises PredictError unless the file's header row names one of the model's features, at least."""
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as file:
            header = next(csv.reader(file), [])
    except (OSError, csv.Error) as error:
        raise PredictError(f"{path}: not a readable CSV file with a header row ({error})") from None
    if not set(header) & set(layout.features):
        raise PredictError(f"{path}: no column is a feature of the model ({', '.join(layout.features)}); found "
                           f"{', '.join(header) or 'no header row'}")


def read_csv(layout: Layout, path: Path) -> Iterator[Examples]:
    """The CSV file's rows typed by the model's schema (CsvError, one line, for a row that is not), BATCH
    at a time."""
    from tfxflow.components.file_example_gen.csv_rows import csv_examples

    records = csv_examples([str(path)], {name: kind for name, (kind, _) in layout.features.items()})
    for start in range(0, len(records), BATCH):
        yield _named(path, records[start:start + BATCH], start)


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
            rows = rows.astype(np.float32 if kind == "FLOAT" else np.int64)
            yield _named(path, array_examples(rows, None, name, ""), start)
            start += len(rows)


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


def _features(directory: str) -> dict[str, tuple[str, tuple[int, ...]]]:
    schema_file = os.path.join(directory, INPUT_SCHEMA)
    if not filesystem(schema_file).exists(schema_file):
        return _MNIST
    from tensorflow_metadata.proto.v0 import schema_pb2

    schema = read_schema(schema_file)
    return {f.name: (schema_pb2.FeatureType.Name(f.type), tuple(d.size for d in f.shape.dim)) for f in schema.feature}


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
    """The checksum TFRecords give a record's length: CRC-32C, masked (tensorflow/tsl/lib/hash/crc32c.h)."""
    import google_crc32c

    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF
