"""`ingest: {kind: tfrecord}`: TFRecord files of serialized tf.Examples, through TFX's ImportExampleGen executor.

    ingest: {kind: tfrecord, path: data/examples/}   # train/ and eval/ inside, or split by eval_fraction

Files may be gzipped (`.gz`) or not. Every feature the examples hold is read; the schema says
which are expected.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal, Optional

from pydantic import Field

from tfxflow.pipelines.ingest.files import FileIngest

if TYPE_CHECKING:
    from tfx.dsl.components.base.base_component import BaseComponent


class TFRecordIngest(FileIngest):
    """TFRecord files of tf.Examples, gzipped (.gz) or not: one file, every file of a directory (or of its
    train/ and eval/), or a glob."""

    kind: Literal["tfrecord"] = Field("tfrecord", description="TFRecord files of tf.Examples")

    def component(self) -> type[BaseComponent]:
        from tfxflow.components.file_example_gen.component import ImportExampleGen

        return ImportExampleGen

    def training_examples(self, label: str) -> tuple[list[bytes], str]:
        """Every record of the training files (all files when eval is hashed out of the same ones)."""
        from tfxflow.pipelines.drift import read_records

        base, patterns = self.sources(self.data_uri())
        train = self.files() if "train" not in patterns else self.files(f"{base}/train/")
        return read_records(train, self.data_uri()), f"the records of {self.data_uri()}"

    def new_examples(self, data: Optional[str | Path], label: str) -> tuple[list[bytes], str]:
        """Records of TFRecord files (`data`: a file, directory or glob; default: the pipeline's own)."""
        from tfxflow.pipelines.drift import read_records

        where = str(data) if data is not None else self.data_uri()
        return read_records(self.files(where), where), where
