"""AtomicPusher: TFX's Pusher that publishes a version whole, with its training statistics and provenance.

    pusher = AtomicPusher(model=trainer.outputs["model"], model_blessing=evaluator.outputs["blessing"],
                          statistics=statistics_gen.outputs["statistics"], serving_dir="gs://acme-models/mnist",
                          data_fingerprint=fingerprints.data, lineage=fingerprints.lineage)

Inputs: `model`, `model_blessing` (as TFX's Pusher) and `statistics` (the training data's, stored
with the model as the drift baseline of later runs). Output: `pushed_model` (PushedModel).
"""
from __future__ import annotations

from typing import Optional

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.proto import pusher_pb2
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.channel import OutputChannel
from tfx.types.component_spec import ChannelParameter, ExecutionParameter
from tfx.utils import json_utils

from tfxflow.components.atomic_pusher import executor
from tfxflow.components.fingerprint_parameter import Parameter


class AtomicPusherSpec(standard_component_specs.PusherSpec):
    PARAMETERS = {
        **standard_component_specs.PusherSpec.PARAMETERS,
        executor.DATA_KEY: ExecutionParameter(type=str),
        executor.LINEAGE_KEY: ExecutionParameter(type=str),
    }
    INPUTS = {
        **standard_component_specs.PusherSpec.INPUTS,
        executor.STATISTICS_KEY: ChannelParameter(type=standard_artifacts.ExampleStatistics),
    }


class AtomicPusher(base_component.BaseComponent):
    """Publishes a blessed model as the newest `<serving_dir>/<version>/`, atomically."""

    SPEC_CLASS = AtomicPusherSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(
        self,
        model: types.BaseChannel,
        model_blessing: types.BaseChannel,
        statistics: types.BaseChannel,
        serving_dir: str,
        data_fingerprint: Parameter,
        lineage: Parameter,
        keep: Optional[int] = None,
    ):
        destination = pusher_pb2.PushDestination(
            filesystem=pusher_pb2.PushDestination.Filesystem(base_directory=serving_dir)
        )
        super().__init__(
            spec=AtomicPusherSpec(
                model=model,
                model_blessing=model_blessing,
                statistics=statistics,
                push_destination=destination,
                custom_config=json_utils.dumps({"keep": keep}),
                data_fingerprint=data_fingerprint,
                lineage=lineage,
                pushed_model=OutputChannel(
                    standard_artifacts.PushedModel, self, standard_component_specs.PUSHED_MODEL_KEY
                ),
            )
        )
