"""`ingest: {kind: csv}`: CSV files with a header row, through TFX's CsvExampleGen executor.

    ingest: {kind: csv, path: data/customers.csv, eval_fraction: 0.2}   # or a directory, or data/*.csv

Each column is a feature; its type (integer, float or string) is inferred from all rows as TFX
does, and an empty cell or `NA` is a missing value. The label is the column `label.key` names.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal, Optional

from pydantic import Field

from tfxflow.pipelines.ingest.files import FileIngest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tfx.dsl.components.base.base_component import BaseComponent

    from tfxflow.pipelines.model_inputs import Examples, Layout


class CsvIngest(FileIngest):
    """CSV files with a header row: one file, every `*.csv` of a directory (or of its train/ and eval/), or a
    glob. Each column is a feature, typed (integer, float or string) from all rows; an empty cell or NA is a
    missing value."""

    kind: Literal["csv"] = Field("csv", description="CSV files with a header row")
    FILES = "*.csv"

    def component(self) -> type[BaseComponent]:
        from tfxflow.components.file_example_gen.component import CsvExampleGen

        return CsvExampleGen

    def training_examples(self, label: str) -> tuple[list[bytes], str]:
        """Every row of the data (train and eval alike, when eval is hashed out of the same files)."""
        from tfxflow.components.file_example_gen.csv_rows import csv_examples

        return csv_examples(self.files()), f"the rows of {self.data_uri()}"

    def new_examples(self, data: Optional[str | Path], label: str) -> tuple[Iterator[bytes], str]:
        """Rows of CSV files like the pipeline's (`data`: a file, directory or glob; default: its own), read a
        batch at a time."""
        from tfxflow.components.file_example_gen.csv_rows import csv_records

        where = str(data) if data is not None else self.data_uri()
        return csv_records(self.files(where)), where

    @classmethod
    def prediction_examples(cls, path: Path, layout: Layout) -> Iterator[Examples]:
        """A .csv file's rows, typed by the model's schema; other inputs as TFRecords."""
        from tfxflow.pipelines.model_inputs import read_csv

        return read_csv(layout, path) if path.suffix.lower() == ".csv" else super().prediction_examples(path, layout)

    @classmethod
    def check_prediction_input(cls, path: Path, layout: Layout) -> None:
        """A .csv file's header row names the model's features (one at least)."""
        from tfxflow.pipelines.model_inputs import check_csv

        if path.suffix.lower() == ".csv":
            check_csv(layout, path)
        else:
            super().check_prediction_input(path, layout)
