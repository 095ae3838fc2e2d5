"""What a serving directory holds: numbered model versions, each with a record of where it came from.

    newest = newest_version("gs://acme-models/mnist")        # the model a model server serves
    newest.path, newest.record.model, newest.record.lineage, newest.statistics

The Pusher writes each version as `<serving_dir>/<version>/` (a SavedModel) with, in the SavedModel's
`assets.extra/` (files TF Serving ignores), `tfxflow.json` (the Model artifact it was copied from
and the fingerprints of the data and of everything that determined the model) and
`train_statistics.pb` (TFDV statistics of the training split). The Evaluator's and the drift
check's baselines are read from here, so a pod on a cluster and a local run see the same thing.

A version is complete when its `saved_model.pb` exists: no loader (TF Serving, tf.saved_model.load)
can load a SavedModel without it, and on an object store, where a version's objects appear one by
one, the Pusher writes it last (executor.py). Readers here pass over a version without it.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Optional

from tfxflow.components.object_store import filesystem


EXTRA_DIR = "assets.extra"
RECORD_FILE = "tfxflow.json"
# The file a SavedModel cannot be loaded without, written last: a version's completion marker.
COMPLETION_FILE = "saved_model.pb"
STATISTICS_FILE = "train_statistics.pb"


@dataclass(frozen=True)
class Record:
    """Where a published model came from: its Model artifact, and the fingerprints of the run's
    data and lineage (data, schema, code and settings: everything that determined the model)."""

    model: str
    data: str
    lineage: str


@dataclass(frozen=True)
class ServedVersion:
    """One published version; `record` is None for a directory tfxflow did not publish."""

    path: str
    record: Optional[Record]

    @property
    def version(self) -> str:
        return os.path.basename(self.path)

    @property
    def statistics(self) -> str:
        """The training statistics stored with the model (the file may be absent)."""
        return os.path.join(self.path, EXTRA_DIR, STATISTICS_FILE)


def version_numbers(serving_dir: str) -> list[int]:
    """The numbered version directories, oldest first (none if the directory does not exist)."""
    files = filesystem(serving_dir)
    if not files.isdir(serving_dir):
        return []
    return sorted(int(name.rstrip("/")) for name in files.listdir(serving_dir) if name.rstrip("/").isdigit())


def served_versions(serving_dir: str) -> Iterator[ServedVersion]:
    """The complete versions (holding COMPLETION_FILE), newest first, each read only when reached."""
    for number in reversed(version_numbers(serving_dir)):
        path = os.path.join(serving_dir, str(number))
        if is_complete(path):
            yield ServedVersion(path, read_record(path))


def is_complete(version_path: str) -> bool:
    """Whether a version directory holds its completion marker (a push that stopped midway does not)."""
    marker = os.path.join(version_path, COMPLETION_FILE)
    return filesystem(marker).exists(marker)


def newest_version(serving_dir: str) -> Optional[ServedVersion]:
    """The version a model server serves (the highest number), or None."""
    return next(served_versions(serving_dir), None)


def read_record(version_path: str) -> Optional[Record]:
    path = os.path.join(version_path, EXTRA_DIR, RECORD_FILE)
    files = filesystem(path)
    if not files.exists(path):
        return None
    with files.open(path, "r") as stream:
        text = stream.read()
    try:
        fields = json.loads(text)
        return Record(str(fields["model"]), str(fields["data"]), str(fields["lineage"]))
    except (ValueError, KeyError, TypeError):  # not written by tfxflow: a version like any other
        return None


def write_extras(version_path: str, record: Record, statistics: Optional[bytes]) -> None:
    """Writes the record (and the training statistics) into a version being staged."""
    extra = os.path.join(version_path, EXTRA_DIR)
    files = filesystem(extra)
    files.makedirs(extra)
    with files.open(os.path.join(extra, RECORD_FILE), "w") as stream:
        stream.write(json.dumps(asdict(record), indent=2))
    if statistics is not None:
        with files.open(os.path.join(extra, STATISTICS_FILE), "wb") as stream:
            stream.write(statistics)
