"""`ingest: {kind: mnist}`: MNIST from an .npz with x_train, y_train, x_test, y_test (uint8 N x 28 x 28, labels 0-9).

    ingest: {kind: mnist, path: data/mnist.npz}    # no path: keras' cached download
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal, Optional

from pydantic import Field

from tfxflow.pipelines.spec import IngestSettings, Location, location_text

if TYPE_CHECKING:
    from tfx.dsl.components.base.base_component import BaseComponent

    from tfxflow.components.input_fingerprint.fingerprints import Parameter


class MnistIngest(IngestSettings):
    """The npz's train arrays become the `train` split, its test arrays the `eval` split."""

    kind: Literal["mnist"] = "mnist"
    path: Optional[Location(".npz file")] = Field(
        None, description="default: keras' cached download (~/.keras/datasets/mnist.npz)"
    )

    # tests/test_spec.py checks these against components/mnist_model/model.py's ARCHITECTURES.
    MODELS = ("mlp", "cnn")
    MODEL_PACKAGE = "tfxflow.components.mnist_model"
    NUM_CLASSES = 10
    NORMALIZATION = "fixed_range"
    SCHEMA = "mnist"

    def data_uri(self) -> str:
        if self.path is not None:
            return location_text(self.path)
        from tfxflow.components.npz_example_gen.keras_download import keras_mnist

        return keras_mnist()

    def check_data(self, data_uri: str) -> None:
        """Refused from the npz's zip entries and array headers in milliseconds (NpzError)."""
        from tfxflow.components.npz_example_gen.mnist_npz import check_mnist

        check_mnist(data_uri)

    def example_gen(self, data_uri: str, fingerprint: Parameter) -> BaseComponent:
        from tfxflow.components.npz_example_gen.component import NpzExampleGen

        return NpzExampleGen(path=data_uri, fingerprint=fingerprint)

    def cluster_problems(self) -> list[str]:
        return [] if self.path else ["ingest.path: not set; the cluster needs the .npz at a URI, e.g. gs://bucket/mnist.npz"]

    def training_examples(self) -> tuple[list[bytes], str]:
        """x_train and y_train of the npz, checked as NpzExampleGen checks them."""
        from tfxflow.components.npz_example_gen.mnist_npz import load_mnist, to_serialized_examples

        data = self.data_uri()
        arrays = load_mnist(data)
        return list(to_serialized_examples(arrays["x_train"], arrays["y_train"])), f"x_train of {data}"

    def new_examples(self, data: Optional[Path]) -> tuple[list[bytes], str]:
        """Both splits of an npz like the pipeline's input (checked as NpzExampleGen checks it)."""
        from tfxflow.pipelines.drift import DriftInputError

        if data is None:
            raise DriftInputError("--data: required for an MNIST pipeline: an .npz like the pipeline's input")
        import numpy as np

        from tfxflow.components.npz_example_gen.mnist_npz import load_mnist, to_serialized_examples

        arrays = load_mnist(data)
        x = np.concatenate([arrays["x_train"], arrays["x_test"]])
        y = np.concatenate([arrays["y_train"], arrays["y_test"]])
        return list(to_serialized_examples(x, y)), str(data)
