"""Pusher executor that publishes `<serving_dir>/<version>/` atomically.

    Pusher(model=..., model_blessing=..., push_destination=...,
           custom_executor_spec=executor_spec.ExecutorClassSpec(Executor))

TFX's own Pusher copies file by file into the version directory, so a model server (or a crash)
can see a partial model. This one copies into a hidden sibling and renames it into place.
"""
from __future__ import annotations

import os
import time
import uuid
from typing import Any

from absl import logging
from tfx import types
from tfx.components.pusher import executor as pusher
from tfx.dsl.io import fileio
from tfx.proto import pusher_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils, proto_utils


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
        serving_path = publish(model_path, destination.filesystem.base_directory)
        io_utils.copy_dir(model_path, model_push.uri)  # the artifact keeps its own copy, as TFX's Pusher does
        self._MarkPushed(model_push, pushed_destination=serving_path, pushed_version=os.path.basename(serving_path))


def publish(model_path: str, base_directory: str) -> str:
    """Copies `model_path` to a new `<base_directory>/<unix time>` and returns that path.

    The copy is written to a hidden sibling first and renamed, so the version directory either does
    not exist or is complete; a copy interrupted by a crash is left only under a hidden name.
    """
    fileio.makedirs(base_directory)
    version = int(time.time())
    while fileio.exists(os.path.join(base_directory, str(version))):
        version += 1
    staging = os.path.join(base_directory, f".{version}.partial-{uuid.uuid4().hex[:8]}")
    io_utils.copy_dir(model_path, staging)
    serving_path = os.path.join(base_directory, str(version))
    fileio.rename(staging, serving_path)
    logging.info("Model published to %s.", serving_path)
    return serving_path
