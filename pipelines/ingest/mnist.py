"""`ingest: {kind: mnist}`: the npz kind preset for MNIST (uint8 N x 28 x 28 images, labels 0-9), with
its curated schema, the tutorial's models and MNIST's own checks.

    ingest: {kind: mnist, path: data/mnist.npz}    # no path: keras' cached download
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal, Optional

from pydantic import Field

from tfxflow.pipelines.ingest.npz import NpzIngest
from tfxflow.pipelines.spec import Location, location_text

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tfxflow.components.npz_example_gen.mnist_npz import Member
    from tfxflow.pipelines.model_inputs import Examples, Layout


class MnistIngest(NpzIngest):
    """An MNIST .npz (uint8 N x 28 x 28 images, labels 0-9): its train arrays become the `train` split
    (`image`, `label`), its test arrays `eval`."""

    kind: Literal["mnist"] = Field("mnist", description="an MNIST .npz")
    path: Optional[Location(".npz file")] = Field(
        None, description="the MNIST .npz (x_train, y_train, x_test, y_test); default: Keras' download, fetched "
        "once to ~/.keras/datasets/mnist.npz (with no network: an error saying to set it)"
    )

    # tests/test_spec.py checks these against components/mnist_model/model.py's ARCHITECTURES.
    MODELS = ("mlp", "cnn")
    MODEL_PACKAGE = "tfxflow.components.mnist_model"
    NORMALIZATION = "fixed_range"
    SCHEMA = "mnist"
    TASKS = ("classification",)
    FEATURE = "image"
    DESCRIBED = "MNIST"

    def data_uri(self) -> str:
        if self.path is not None:
            return location_text(self.path)
        from tfxflow.components.npz_example_gen.keras_download import keras_mnist

        return keras_mnist()

    def check_data(self, data_uri: str) -> None:
        """Refused from the npz's zip entries and array headers in milliseconds (NpzError)."""
        from tfxflow.components.npz_example_gen.mnist_npz import check_mnist

        check_mnist(data_uri)

    def cluster_problems(self) -> list[str]:
        return [] if self.path else ["ingest.path: not set; the cluster needs the .npz at a URI, e.g. gs://bucket/mnist.npz"]

    def training_examples(self, label: str) -> tuple[list[bytes], str]:
        """x_train and y_train of the npz, checked as MNIST."""
        self.check_data(self.data_uri())
        return super().training_examples(label)

    @classmethod
    def prediction_examples(cls, path: Path, layout: Layout) -> Iterator[Examples]:
        """An npz's images or a 28 x 28 image file, given as MNIST draws digits (mnist_digits.py: inverted if
        light, read from alpha if drawn only there); TFRecords (.tfrecord, .gz or a directory) as any kind's."""
        from tfxflow.pipelines.ingest.mnist_digits import read_digits

        if _tfrecords(path):
            return super(NpzIngest, cls).prediction_examples(path, layout)  # the default: not npz's
        return read_digits(path)

    @classmethod
    def check_prediction_input(cls, path: Path, layout: Layout) -> None:
        """An npz's zip entries and image header, or an image file (decoded: 28 x 28 is small)."""
        from tfxflow.pipelines.ingest.mnist_digits import check_digits

        if _tfrecords(path):
            super(NpzIngest, cls).check_prediction_input(path, layout)  # the default: not npz's
        else:
            check_digits(path)

    def check_rows(self, path: str, rows: Member) -> None:
        """Raises NpzError unless the array's header says uint8 N x 28 x 28 images."""
        from tfxflow.components.npz_example_gen.mnist_npz import check_images

        check_images(path, rows)


def _tfrecords(path: Path) -> bool:
    from tfxflow.pipelines.model_inputs import TFRECORD_SUFFIXES

    return path.is_dir() or path.suffix.lower() in TFRECORD_SUFFIXES
