"""What a pushed model reads, from the schema it was trained with, and any input file as examples for it.

    layout = model_layout(Path("runs/churn/serving/1795400226"))   # assets.extra/input_schema.pbtxt
    for names, records in examples_for(layout, Path("new_customers.csv")):  # also .npz, images, TFRecords
        ...                                                                  # serialized tf.Examples

The model's own serving signature parses and transforms the raw examples, so the examples only
need the raw features the schema names, of its types: CSV rows typed by the schema, npz rows as
the one feature a model of one feature reads, image files decoded to the image feature's
H x W x C, and TFRecords of tf.Examples as they are. Sizes are checked from headers before
anything is decoded; every problem is one PredictError line naming the file.
"""
from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tfxflow.components.atomic_pusher.versions import is_complete, newest_version
from tfxflow.components.feature_model.features import read_schema
from tfxflow.components.object_store import filesystem

INPUT_SCHEMA = "assets.extra/input_schema.pbtxt"  # its features, as the Trainer writes them (keras_training.py)
# Rows per model call.
BATCH = 1024
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
TFRECORD_SUFFIXES = {".tfrecord", ".tfrecords", ".gz"}
# What models pushed before tfxflow kept their schema read: MNIST's image.
_MNIST = {"image": ("INT", (784,))}


class PredictError(ValueError):
    """An input or model that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Layout:
    """A pushed model's raw input features, name -> (INT, FLOAT or BYTES, shape)."""

    features: dict[str, tuple[str, tuple[int, ...]]]

    @property
    def mnist(self) -> bool:
        """Whether the model reads MNIST's 28 x 28 images (which predict.py checks and turns upright)."""
        return self.features == _MNIST

    def one_feature(self, path: Path, what: str) -> tuple[str, tuple[str, tuple[int, ...]]]:
        if len(self.features) != 1:
            raise PredictError(f"{path}: {what} holds one array, but the model reads {len(self.features)} features "
                               f"({', '.join(self.features)}); give CSV rows or TFRecords of tf.Examples")
        return next(iter(self.features.items()))


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
    """What the model at `path` reads (a model with no input schema beside it is read as MNIST's, as
    tfxflow pushed them first, or as the directory that is no model yet, whose error comes on loading)."""
    try:
        directory = version_directory(path)
    except PredictError:
        return Layout(_MNIST)  # inputs are checked first; the directory's own error comes when it is loaded
    schema_file = os.path.join(directory, INPUT_SCHEMA)
    if not filesystem(schema_file).exists(schema_file):
        return Layout(_MNIST)
    from tensorflow_metadata.proto.v0 import schema_pb2

    schema = read_schema(schema_file)
    return Layout({f.name: (schema_pb2.FeatureType.Name(f.type), tuple(d.size for d in f.shape.dim))
                   for f in schema.feature})


def examples_for(layout: Layout, path: Path) -> Iterator[tuple[list[str], list[bytes]]]:
    """The input `path` as serialized tf.Examples for `layout`, BATCH at a time, each named."""
    suffix = path.suffix.lower()
    if path.is_dir() or suffix in TFRECORD_SUFFIXES:
        yield from _tfrecords(path)
    elif suffix == ".csv":
        yield from _csv(layout, path)
    elif suffix == ".npz":
        yield from _npz(layout, path)
    elif suffix in IMAGE_SUFFIXES:
        yield [str(path)], _image(layout, path)
    else:
        raise PredictError(f"{path}: not an input predict reads; expected .csv, .npz, TFRecords (.tfrecord, .gz or "
                           f"a directory) or an image ({', '.join(sorted(IMAGE_SUFFIXES))})")


def check_input(layout: Layout, path: Path) -> None:
    """Raises PredictError (or NpzError) for an input that cannot be read for `layout`, reading only what
    is cheap: headers, and an image's size."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise PredictError(f"{path}: no such file")
    if suffix == ".npz":
        _npz_rows(layout, path)
    elif suffix in IMAGE_SUFFIXES:
        _image_header(layout, path)


def _named(path: Path, records: list[bytes], start: int) -> tuple[list[str], list[bytes]]:
    return [f"{path}[{i}]" for i in range(start, start + len(records))], records


def _tfrecords(path: Path) -> Iterator[tuple[list[str], list[bytes]]]:
    from tfxflow.pipelines.drift import DriftInputError, read_records

    files = sorted(str(p) for p in path.rglob("*") if p.is_file()) if path.is_dir() else [str(path)]
    try:
        records = read_records(files, path)
    except DriftInputError as error:
        raise PredictError(str(error).removeprefix("--data: ")) from None
    for start in range(0, len(records), BATCH):
        yield _named(path, records[start:start + BATCH], start)


def _csv(layout: Layout, path: Path) -> Iterator[tuple[list[str], list[bytes]]]:
    from tfxflow.components.file_example_gen.csv_rows import CsvError, csv_examples

    try:
        records = csv_examples([str(path)], {name: kind for name, (kind, _) in layout.features.items()})
    except CsvError as error:
        raise PredictError(str(error)) from None
    for start in range(0, len(records), BATCH):
        yield _named(path, records[start:start + BATCH], start)


def _npz_rows(layout: Layout, path: Path) -> tuple[str, str, tuple[str, tuple[int, ...]]]:
    """The npz array the model's one feature is read from, its key, and that feature."""
    from tfxflow.components.npz_example_gen.arrays import check_rows
    from tfxflow.components.npz_example_gen.mnist_npz import Npz
    from tfxflow.pipelines.ingest.npz import ROW_KEYS

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
    return key, name, (kind, shape)


def _npz(layout: Layout, path: Path) -> Iterator[tuple[list[str], list[bytes]]]:
    from tfxflow.components.npz_example_gen.arrays import array_examples
    from tfxflow.components.npz_example_gen.mnist_npz import Npz

    key, name, (kind, _) = _npz_rows(layout, path)
    start = 0
    with Npz(path) as npz:
        for rows in npz.chunks(npz.member(key), BATCH):
            rows = rows.astype(np.float32 if kind == "FLOAT" else np.int64)
            yield _named(path, array_examples(rows, None, name, ""), start)
            start += len(rows)


def _image_header(layout: Layout, path: Path) -> tuple[str, tuple[int, ...]]:
    """The model's image feature, once the file's header says an image of its size."""
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


def _image(layout: Layout, path: Path) -> list[bytes]:
    from PIL import Image

    from tfxflow.components.npz_example_gen.arrays import array_examples

    name, shape = _image_header(layout, path)
    channels = shape[2] if len(shape) == 3 else 1
    mode = {1: "L", 3: "RGB", 4: "RGBA"}.get(channels)
    if mode is None:
        raise PredictError(f"{path}: the model's {name} has {channels} channels; image files give 1, 3 or 4")
    with Image.open(path) as image:
        pixels = np.asarray(image.convert(mode), np.int64)
    kind = layout.features[name][0]
    return array_examples(pixels[None].astype(np.float32 if kind == "FLOAT" else np.int64), None, name, "")
