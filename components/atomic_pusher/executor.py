"""Pusher executor that publishes `<serving_dir>/<version>/` atomically, once per model.

    Pusher(model=..., model_blessing=..., push_destination=..., custom_config={"keep": 5},
           custom_executor_spec=executor_spec.ExecutorClassSpec(Executor))

TFX's own Pusher copies file by file into the version directory, so a model server (or a crash)
can see a partial model. This one copies into a hidden sibling and renames it into place. Each
version records which model it holds (MODEL_MARKER), so a push interrupted between the rename and
MLMD's record is not repeated by the rerun: the rerun finds the version and reports it.
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


# Inside each version: the path of the model it was copied from.
MODEL_MARKER = ".tfxflow_model"
# A staging copy this old belongs to a push that crashed.
STALE_SECONDS = 3600


class Executor(pusher.Executor):
    """Pushes a blessed model to a new numbered version directory; an unblessed one nowhere."""

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
        model_path = self.GetModelPath(input_dict)
        keep = json.loads(exec_properties.get(standard_component_specs.CUSTOM_CONFIG_KEY) or "{}").get("keep")
        serving_path = publish(model_path, destination.filesystem.base_directory, keep)
        io_utils.copy_dir(model_path, model_push.uri)  # the artifact keeps its own copy, as TFX's Pusher does
        self._MarkPushed(model_push, pushed_destination=serving_path, pushed_version=os.path.basename(serving_path))


def publish(model_path: str, base_directory: str, keep: Optional[int] = None) -> str:
    """Copies `model_path` to a new `<base_directory>/<version>` and returns that path.

    The copy is written to a hidden sibling first and renamed, so the version directory either does
    not exist or is complete. A model already published (same `model_path`) is not copied again.
    With `keep`, only the newest `keep` versions remain; the new one is always the newest.
    """
    fileio.makedirs(base_directory)
    versions = _versions(base_directory)
    for version in reversed(versions):
        marker = os.path.join(base_directory, str(version), MODEL_MARKER)
        if fileio.exists(marker) and io_utils.read_string_file(marker) == model_path:
            logging.info("Model %s is already published as version %s.", model_path, version)
            return os.path.join(base_directory, str(version))
    _remove_stale_staging(base_directory)
    version = max([int(time.time()), *(v + 1 for v in versions)])
    staging = os.path.join(base_directory, f".{version}.partial-{uuid.uuid4().hex[:8]}")
    io_utils.copy_dir(model_path, staging)
    io_utils.write_string_file(os.path.join(staging, MODEL_MARKER), model_path)
    serving_path = os.path.join(base_directory, str(version))
    fileio.rename(staging, serving_path)
    logging.info("Model published to %s.", serving_path)
    if keep:
        for old in [*versions, version][:-keep]:
            fileio.rmtree(os.path.join(base_directory, str(old)))
    return serving_path


def _versions(base_directory: str) -> list[int]:
    """The numbered version directories, oldest first."""
    return sorted(int(name.rstrip("/")) for name in fileio.listdir(base_directory) if name.rstrip("/").isdigit())


def _remove_stale_staging(base_directory: str) -> None:
    """Hidden copies left by crashed pushes: those started over STALE_SECONDS ago (their name holds the
    version, which is at least the start time), so a concurrent push elsewhere (KFP runs) is never touched."""
    for name in fileio.listdir(base_directory):
        match = re.fullmatch(r"\.(\d+)\.partial-\w+/?", name)
        if match and int(match.group(1)) < time.time() - STALE_SECONDS:
            fileio.rmtree(os.path.join(base_directory, name.rstrip("/")))
