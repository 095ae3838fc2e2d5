"""Executor of AtomicPusher: publishes `<serving_dir>/<version>/` atomically, with its record.

    publish(model_path, "gs://acme-models/mnist", Record(model=uri, data=..., lineage=...), statistics)

TFX's own Pusher copies file by file into the version directory, so a model server (or a crash)
can see a partial model. This one copies into a hidden sibling, adds the record and the training
statistics (components/atomic_pusher/versions.py), and renames it into place; on an object store,
which cannot rename, it writes the version's objects with `saved_model.pb` last. A blessed model that
is already the newest version is not published again; one that is not (say an older configuration
rerun after a newer model was pushed) becomes the newest version, so the model a run blessed is the
model that is served.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any, Optional

from absl import logging
from tfx import types
from tfx.components.pusher import executor as pusher
from tfx.dsl.io import fileio
from tfx.proto import pusher_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils, proto_utils

from tfxflow.components.atomic_pusher.versions import (
    COMPLETION_FILE,
    Record,
    is_complete,
    read_record,
    served_versions,
    version_numbers,
    write_extras,
)
from tfxflow.components.errors import TfxflowError
from tfxflow.components.object_store import is_object_store, launcher_uri

STATISTICS_KEY = "statistics"
DATA_KEY = "data_fingerprint"
LINEAGE_KEY = "lineage"
# A staging copy this old belongs to a push that crashed.
STALE_SECONDS = 3600
_TRAIN_STATISTICS = os.path.join("Split-train", "FeatureStats.pb")
NOT_PUSHED_FILE = "NOT_PUSHED"


class PushError(TfxflowError, RuntimeError):
    """A push that did not complete; the served version is unchanged. The message is one line."""


class Executor(pusher.Executor):
    """Pushes a blessed model to the newest numbered version directory; an unblessed one nowhere."""

    def Do(
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        model_push = artifact_utils.get_single_instance(output_dict[standard_component_specs.PUSHED_MODEL_KEY])
        if not self.CheckBlessing(input_dict):
            # A file even so, as the Evaluator writes NOT_BLESSED: an artifact with none does not exist on
            # an object store, and TFX's local cache would run the Pusher again on every rerun.
            io_utils.write_string_file(os.path.join(model_push.uri, NOT_PUSHED_FILE), "")
            self._MarkNotPushed(model_push)
            return
        destination = pusher_pb2.PushDestination()
        proto_utils.json_to_proto(exec_properties[standard_component_specs.PUSH_DESTINATION_KEY], destination)
        model = artifact_utils.get_single_instance(input_dict[standard_component_specs.MODEL_KEY])
        model_path = self.GetModelPath(input_dict)
        statistics = artifact_utils.get_single_uri(input_dict[STATISTICS_KEY])
        keep = json.loads(exec_properties.get(standard_component_specs.CUSTOM_CONFIG_KEY) or "{}").get("keep")
        serving_path = publish(
            model_path,
            destination.filesystem.base_directory,
            Record(model=launcher_uri(model.uri), data=exec_properties[DATA_KEY], lineage=exec_properties[LINEAGE_KEY]),
            io_utils.read_bytes_file(os.path.join(statistics, _TRAIN_STATISTICS)),
            keep,
        )
        io_utils.copy_dir(model_path, model_push.uri)  # the artifact keeps its own copy, as TFX's Pusher does
        self._MarkPushed(model_push, pushed_destination=serving_path, pushed_version=os.path.basename(serving_path))


def publish(
    model_path: str, base_directory: str, record: Record, statistics: Optional[bytes] = None, keep: Optional[int] = None
) -> str:
    """Makes the model at `model_path` the newest version in `base_directory`; returns its path.

    A version is complete or never loadable: on a filesystem the copy is written to a hidden sibling
    and renamed; on an object store (no rename there) the version's objects are written in place with
    `saved_model.pb`, without which nothing loads it, last (versions.py). A push that fails removes
    what it wrote before the error goes on. If the newest version already holds `record.model` (a
    rerun after a crash between the push and MLMD's record), that version is returned and nothing is
    copied. With `keep`, only the newest `keep` versions remain.
    """
    fileio.makedirs(base_directory)
    newest = next(served_versions(base_directory), None)
    if newest is not None and newest.record is not None and newest.record.model == record.model:
        logging.info("Model %s is already the newest version, %s.", record.model, newest.path)
        return newest.path
    versions = version_numbers(base_directory)  # complete or not: a new version is numbered above all
    _remove_stale(base_directory, above=int(newest.version) if newest else -1)
    version = max([int(time.time()), *(v + 1 for v in versions)])
    serving_path = os.path.join(base_directory, str(version))
    try:
        if is_object_store(base_directory):
            _write_in_order(model_path, serving_path, record, statistics)
        else:
            staging = os.path.join(base_directory, f".{version}.partial-{uuid.uuid4().hex[:8]}")
            with _removed_on_failure(staging):
                io_utils.copy_dir(model_path, staging)
                write_extras(staging, record, statistics)
                fileio.rename(staging, serving_path)
    except Exception as error:
        served = f"still {newest.path}" if newest else "still none"
        reason = " ".join(str(error).split())[:300]
        raise PushError(f"pushing {serving_path} failed ({type(error).__name__}: {reason}); the served version is "
                        f"{served}") from error
    logging.info("Model published to %s.", serving_path)
    if keep:
        for old in [*versions, version][:-keep]:
            fileio.rmtree(os.path.join(base_directory, str(old)))
    return serving_path


def _write_in_order(model_path: str, version_path: str, record: Record, statistics: Optional[bytes]) -> None:
    """The model's files, then the record and statistics, then COMPLETION_FILE: until that last object
    exists, the version is not a SavedModel any loader takes."""
    with _removed_on_failure(version_path):
        for directory, _, names in fileio.walk(model_path):
            relative = os.path.relpath(directory, model_path)
            target = version_path if relative == "." else os.path.join(version_path, relative)  # no normpath: s3://
            for name in names:
                if not (relative == "." and name == COMPLETION_FILE):
                    fileio.copy(os.path.join(directory, name), os.path.join(target, name), overwrite=True)
        write_extras(version_path, record, statistics)
        fileio.copy(os.path.join(model_path, COMPLETION_FILE), os.path.join(version_path, COMPLETION_FILE),
                    overwrite=True)


@contextlib.contextmanager
def _removed_on_failure(path: str) -> Iterator[None]:
    """Removes `path` when the block fails (a full disk, a lost connection, Ctrl-C), then re-raises; if
    the store cannot remove it either, what stays is incomplete and skipped by every reader."""
    try:
        yield
    except BaseException:
        try:
            if fileio.exists(path):
                fileio.rmtree(path)
        except Exception as error:  # pylint: disable=broad-except  # the push's own error is the one to report
            logging.warning("Could not remove the incomplete copy %s: %s", path, error)
        raise


def _remove_stale(base_directory: str, above: int) -> None:
    """What crashed pushes left, once over STALE_SECONDS old (a name holds the version, which is at
    least the push's start time), so a push still in progress elsewhere (KFP runs) is never touched:
    hidden staging copies, and incomplete versions numbered above the newest complete one (`above`)
    that hold tfxflow's record, which an object-store push writes before saved_model.pb."""
    if not fileio.isdir(base_directory):  # an object store's prefix exists once an object is under it
        return
    for name in fileio.listdir(base_directory):
        name = name.rstrip("/")
        path = os.path.join(base_directory, name)
        staging = re.fullmatch(r"\.(\d+)\.partial-\w+", name)
        if staging:
            stale = int(staging.group(1)) < time.time() - STALE_SECONDS
        else:
            stale = (name.isdigit() and above < int(name) < time.time() - STALE_SECONDS and not is_complete(path)
                     and read_record(path) is not None)
        if stale:
            fileio.rmtree(path)
