"""`ingest: {kind: npz}`: numeric arrays x_train, y_train, x_test, y_test of an `.npz`, of any shape.

    ingest: {kind: npz, path: data/shapes.npz}    # x: (N, 32, 32, 3) uint8 images, y: (N,) class ids or strings

Each row of x becomes the feature `x` (its values in row-major order; the schema's `shape` gives
back its dimensions), each y value the label (`label.key`); the train arrays are the `train`
split, the test arrays `eval`. Nothing is decompressed before every header is checked.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal, Optional

from pydantic import Field

from tfxflow.pipelines.spec import IngestSettings, Location, location_text

# Rows of an npz read and made tf.Examples at a time (`schema infer`, `drift`).
CHUNK = 10_000

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tfx.dsl.components.base.base_component import BaseComponent

    from tfxflow.components.fingerprint_parameter import Parameter
    from tfxflow.components.npz_example_gen.mnist_npz import Member
    from tfxflow.pipelines.model_inputs import Examples, Layout



class NpzIngest(IngestSettings):
    """Numeric arrays of an .npz, of any shape: each row of x_train and x_test becomes the feature `x`, each
    y value the label; the train arrays are the `train` split, the test arrays the `eval` split."""

    kind: Literal["npz"] = Field("npz", description="numeric arrays of an .npz")
    path: Location(".npz file") = Field(description="the .npz holding x_train, y_train, x_test and y_test")

    FEATURE: ClassVar[str] = "x"  # the feature each row of x becomes
    DESCRIBED: ClassVar[str] = "npz"

    def data_uri(self) -> str:
        return location_text(self.path)

    def check_data(self, data_uri: str) -> None:
        """Refused from the npz's zip entries and array headers in milliseconds (NpzError)."""
        from tfxflow.components.npz_example_gen.arrays import open_arrays
        from tfxflow.components.npz_example_gen.mnist_npz import Npz

        with Npz(data_uri) as npz:
            open_arrays(npz)

    def example_gen(self, data_uri: str, fingerprint: Parameter, label: str) -> BaseComponent:
        from tfxflow.components.npz_example_gen.component import NpzExampleGen

        return NpzExampleGen(path=data_uri, fingerprint=fingerprint, feature=self.FEATURE, label=label)

    def feature_shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of one row of x (from the header): what `schema infer` writes as the feature's shape."""
        from tfxflow.components.npz_example_gen.mnist_npz import Npz

        with Npz(self.data_uri()) as npz:
            return {self.FEATURE: tuple(npz.member("x_train").shape[1:])}

    def training_examples(self, label: str) -> tuple[list[bytes], str]:
        """x_train and y_train, checked as NpzExampleGen checks them."""
        data = self.data_uri()
        return self._examples(data, ["train"], label), f"x_train of {data}"

    def new_examples(self, data: Optional[str | Path], label: str) -> tuple[list[bytes], str]:
        """The (x, y) splits of an npz like the pipeline's, whichever it holds, or rows alone (no labels)
        under x_test, x, images or x_train."""
        from tfxflow.pipelines.drift import DriftInputError

        if data is None:
            raise DriftInputError(
                f"--data: required for an {self.DESCRIBED} pipeline: an .npz like the pipeline's input")
        return self._examples(str(data), ["train", "test"], label), str(data)

    @classmethod
    def prediction_examples(cls, path: Path, layout: Layout) -> Iterator[Examples]:
        """An .npz's rows (under x_test, x, images or x_train) as the model's one feature, an image file as
        its image feature; other inputs as TFRecords."""
        from tfxflow.pipelines.model_inputs import IMAGE_SUFFIXES, read_image, read_npz_rows

        suffix = path.suffix.lower()
        if suffix == ".npz":
            return read_npz_rows(layout, path)
        if suffix in IMAGE_SUFFIXES:
            return read_image(layout, path)
        return super().prediction_examples(path, layout)

    @classmethod
    def check_prediction_input(cls, path: Path, layout: Layout) -> None:
        """An .npz's zip entries and row header, an image file's size, against the model's feature."""
        from tfxflow.pipelines.model_inputs import IMAGE_SUFFIXES, check_image, check_npz_rows

        suffix = path.suffix.lower()
        if suffix == ".npz":
            check_npz_rows(layout, path)
        elif suffix in IMAGE_SUFFIXES:
            check_image(layout, path)
        else:
            super().check_prediction_input(path, layout)

    def check_rows(self, path: str, rows: Member) -> None:
        """Raises NpzError unless the array's header says rows this kind reads (any numeric ones)."""
        from tfxflow.components.npz_example_gen.arrays import check_rows

        check_rows(path, rows)

    def _examples(self, path: str, splits: list[str], label: str) -> Iterator[bytes]:
        """The rows of the npz's `splits` (x and y arrays), or rows alone under ROW_KEYS, as tf.Examples, read
        CHUNK rows at a time."""
        import numpy as np

        from tfxflow.components.npz_example_gen.arrays import read_labels
        from tfxflow.components.npz_example_gen.examples import array_examples
        from tfxflow.components.npz_example_gen.mnist_npz import SPLITS, Npz, NpzError
        from tfxflow.pipelines.model_inputs import ROW_KEYS

        with Npz(path) as npz:
            pairs = [SPLITS[split] for split in splits if set(SPLITS[split]) <= set(npz.keys)]
            if not pairs:
                key = next((key for key in ROW_KEYS if key in npz.keys), None)
                if key is None or len(splits) == 1:
                    expected = " and ".join(SPLITS[splits[0]]) if len(splits) == 1 else ", ".join(ROW_KEYS)
                    raise NpzError(f"{path}: no {expected}; found {', '.join(npz.keys) or 'no arrays'}")
                rows = npz.member(key)
                self.check_rows(path, rows)
                for chunk in npz.chunks(rows, CHUNK):
                    yield from array_examples(np.asarray(chunk), None, self.FEATURE, label)
                return
            for x_key, y_key in pairs:
                rows = npz.member(x_key)
                self.check_rows(path, rows)
                labels, start = read_labels(npz, npz.member(y_key), rows), 0
                for chunk in npz.chunks(rows, CHUNK):
                    yield from array_examples(np.asarray(chunk), labels[start:start + len(chunk)], self.FEATURE, label)
                    start += len(chunk)
