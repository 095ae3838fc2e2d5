"""What the csv and tfrecord kinds share: files at a path (a file, a directory or a glob), split into
`train` and `eval` by the directory's own train/ and eval/ folders or by a hash of each record.

    class CsvIngest(FileIngest):   # ingest: {kind: csv, path: data/customers.csv, eval_fraction: 0.2}
        FILES = "*.csv"
        def _example_gen(self): ...
"""
from __future__ import annotations

import glob
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Optional, Union

from pydantic import Field, PlainValidator, WithJsonSchema, field_validator

from tfxflow.components import object_store
from tfxflow.pipelines.spec import IngestSettings, location_text

if TYPE_CHECKING:
    from tfx.dsl.components.base.base_component import BaseComponent

    from tfxflow.components.fingerprint_parameter import Parameter

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_WILDCARD = re.compile(r"[*?\[]")
# eval_fraction is a share of this many hash buckets (TFX's Output.split_config).
BUCKETS = 100
SPLITS = ("train", "eval")


def _data_path(value: Any) -> Union[str, Path]:
    """A URI (kept as a str), or a local file, directory or glob that matches at least one file."""
    if isinstance(value, Path):
        return value
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a path, directory, glob or URI of the data, got {value!r}")
    if _URI.match(value):
        return object_store.check(value)
    if _WILDCARD.search(value):
        if not [path for path in glob.glob(value) if os.path.isfile(path)]:
            raise ValueError(f"expected a glob matching files, {value} matches none")
    elif not Path(value).exists():
        raise ValueError(f"expected an existing file or directory, {value} is neither")
    return Path(value)


DataPath = Annotated[Union[str, Path], PlainValidator(_data_path),
                     WithJsonSchema({"type": "string", "format": "path, glob or URI"})]


class FileIngest(IngestSettings):
    """Data files at `path`. A directory holding `train/` and `eval/` gives the splits; any other data
    is split by a hash of each record, `eval_fraction` of it to `eval` (the same record always lands
    in the same split)."""

    path: DataPath = Field(description="a file, a directory (its train/ and eval/ folders are the splits if it "
                           "has both; else its data files, split by hash) or a glob; or a URI")
    # multipleOf for the JSON schema only: _whole_buckets checks it, with a tolerance float modulo lacks.
    eval_fraction: float = Field(0.2, ge=0.01, le=0.5, json_schema_extra={"multipleOf": 1 / BUCKETS},
                                 description="share of the records hashed into eval (the same record always "
                                 "lands in the same split); unused when the directory has train/ and eval/")

    FILES: ClassVar[str] = "*"  # what a directory's data files are named

    @field_validator("eval_fraction")
    @classmethod
    def _whole_buckets(cls, value: float) -> float:
        if abs(value * BUCKETS - round(value * BUCKETS)) > 1e-9:
            raise ValueError(f"expected a multiple of {1 / BUCKETS:g} (a share of {BUCKETS} hash buckets), got {value}")
        return value

    def data_uri(self) -> str:
        return location_text(self.path)

    def example_gen(self, data_uri: str, fingerprint: Parameter, label: str) -> BaseComponent:
        from tfx.proto import example_gen_pb2

        input_base, patterns = self.sources(data_uri)
        input_config = example_gen_pb2.Input(
            splits=[example_gen_pb2.Input.Split(name=name, pattern=pattern) for name, pattern in patterns.items()])
        output_config = example_gen_pb2.Output()
        if len(patterns) == 1:
            eval_buckets = round(self.eval_fraction * BUCKETS)
            output_config.split_config.splits.add(name="train", hash_buckets=BUCKETS - eval_buckets)
            output_config.split_config.splits.add(name="eval", hash_buckets=eval_buckets)
        return self.component()(input_base=input_base, input_config=input_config, output_config=output_config,
                                fingerprint=fingerprint)

    def component(self) -> type[BaseComponent]:
        """The ExampleGen component class (input_base, input_config, output_config, fingerprint)."""
        raise NotImplementedError(f"{type(self).__name__}.component")

    def sources(self, data_uri: str) -> tuple[str, dict[str, str]]:
        """The input base directory, and the file pattern of each input split under it ({"": ...}: one).
        A URI is a directory when it ends in "/", and is split by hash (only local ones are looked into)."""
        if _WILDCARD.search(data_uri):
            head, _, _ = _WILDCARD.split(data_uri, 1)[0].rpartition("/")
            return head, {"all": data_uri[len(head) + 1:]}
        directory = data_uri.endswith("/") if _URI.match(data_uri) else os.path.isdir(data_uri)
        if not directory:
            head, _, name = data_uri.rpartition("/")
            return head, {"all": name}
        base = data_uri.rstrip("/")
        if not _URI.match(data_uri) and all(os.path.isdir(f"{base}/{split}") and os.listdir(f"{base}/{split}")
                                            for split in SPLITS):
            return base, {split: f"{split}/{self.FILES}" for split in SPLITS}
        return base, {"all": self.FILES}

    def files(self, data: Optional[str] = None) -> list[str]:
        """The data files under `data` (default: the kind's `path`), sorted."""
        from tfx.dsl.io import fileio

        data = data or self.data_uri()
        base, patterns = self.sources(data if _URI.match(data) else os.path.abspath(data))
        return sorted(path for pattern in patterns.values() for path in fileio.glob(f"{base}/{pattern}"))
