"""Executor of AtomicPusher: publishes `<serving_dir>/<version>/` atomically, with its record.

    publish(model_path, "gs://acme-models/mnist", Record(model=uri, data=..., lineage=...), statistics)

TFX's own Pusher copies file by file into the version directory, so a model server (or a crash)
can see a partial model. This one copies into a hidden sibling, adds the record and the training
statistics (components/atomic_pusher/versions.py), and renames it into place. A blessed model that
is already the newest version is not published again; one that is not (say an older configuration
rerun after a newer model was pushed) becomes the newest version, so the model a run blessed is the
model that is served.
"""
from __future__ import annotations

import json
import os
import re
import time
import uuid
from typing import Any, Optional

from absl import logging
from tfx import types
from tfx.components.pusher import executor as pusher
from tfx.dsl.io import fileio
from tfx.proto import pusher_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils, proto_utils

from tfxflow.components.atomic_pusher.versions import Record, read_record, version_numbers, write_extras

STATISTICS_KEY = "statistics"
DATA_KEY = "data_fingerprint"
LINEAGE_KEY = "lineage"
# A staging copy this old belongs to a push that crashed.
STALE_SECONDS = 3600
_TRAIN_STATISTICS = os.path.join("Split-train", "FeatureStats.pb")


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
            Record(model=model.uri, data=exec_properties[DATA_KEY], lineage=exec_properties[LINEAGE_KEY]),
            io_utils.read_bytes_file(os.path.join(statistics, _TRAIN_STATISTICS)),
            keep,
        )
        io_utils.copy_dir(model_path, model_push.uri)  # the artifact keeps its own copy, as TFX's Pusher does
        self._MarkPushed(model_push, pushed_destination=serving_path, pushed_version=os.path.basename(serving_path))


def publish(
    model_path: str, base_directory: str, record: Record, statistics: Optional[bytes] = None, keep: Optional[int] = None
) -> str:
    """Makes the model at `model_path` the newest version in `base_directory`; returns its path.

    The copy is written to a hidden sibling first and renamed, so a version directory either does
    not exist or is complete; a push that fails removes its hidden copy before the error goes on.
    If the newest version already holds `record.model` (a rerun after a crash between the rename
    and MLMD's record), that version is returned and nothing is copied.
    With `keep`, only the newest `keep` versions remain.
    """
    fileio.makedirs(base_directory)
    versions = version_numbers(base_directory)
    if versions:
        newest = os.path.join(base_directory, str(versions[-1]))
        published = read_record(newest)
        if published is not None and published.model == record.model:
            logging.info("Model %s is already the newest version, %s.", record.model, newest)
            return newest
    _remove_stale_staging(base_directory)
    version = max([int(time.time()), *(v + 1 for v in versions)])
    staging = os.path.join(base_directory, f".{version}.partial-{uuid.uuid4().hex[:8]}")
    serving_path = os.path.join(base_directory, str(version))
    try:
        io_utils.copy_dir(model_path, staging)
        write_extras(staging, record, statistics)
        fileio.rename(staging, serving_path)
    except BaseException:  # a full disk, a lost connection, Ctrl-C: this push's own copy goes at once
        if fileio.exists(staging):
            fileio.rmtree(staging)
        raise
    logging.info("Model published to %s.", serving_path)
    if keep:
        for old in [*versions, version][:-keep]:
            fileio.rmtree(os.path.join(base_directory, str(old)))
    return serving_path


def _remove_stale_staging(base_directory: str) -> None:
    """Hidden copies left by crashed pushes: those started over STALE_SECONDS ago (their name holds the
    version, which is at least the start time), so a concurrent push elsewhere (KFP runs) is never touched."""
    for name in fileio.listdir(base_directory):
        match = re.fullmatch(r"\.(\d+)\.partial-\w+/?", name)
        if match and int(match.group(1)) < time.time() - STALE_SECONDS:
            fileio.rmtree(os.path.join(base_directory, name.rstrip("/")))
