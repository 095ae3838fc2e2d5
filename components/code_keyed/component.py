"""TFX's Transform and Trainer whose cache keys include the content of the code they run.

    transform = Transform(examples=..., schema=..., preprocessing_fn="my_models.prep.preprocessing_fn",
                          custom_config={"normalize": "z_score"}, code_fingerprint=fingerprints.transform_code)
    trainer = Trainer(examples=..., transform_graph=transform.outputs["transform_graph"], schema=...,
                      run_fn="my_models.model.run_fn", custom_config={...}, code_fingerprint=fingerprints.trainer_code)

TFX keys a component's cache on its parameters: an import path such as `preprocessing_fn` or
`run_fn` stays the same when the module it names is edited, and the stale result is served.
`code_fingerprint` (the source digest from components/input_fingerprint: the module and what it
imports from its own package) is one more parameter, which TFX's executors ignore; an edited
module re-executes its component and, through new artifacts, everything downstream. Only the
options tfxflow uses are offered: the Trainer applies the transform graph to raw examples itself
(as serving does), and StatisticsGen already described the data, so Transform writes no
transformed copies and no statistics of its own (they cost MNIST ~12 s and add nothing), and no
analyzer cache (TFX's `disable_analyzer_cache`: the cache serves a later Transform only through an
`analyzer_cache` input, which no pipeline here wires; written empty, it was also the one artifact
an object store cannot hold, which made an unchanged local rerun on S3 execute Transform again).
"""
from __future__ import annotations

from typing import Any

from tfx import types
from tfx.components.trainer import component as trainer_component
from tfx.dsl.components.base import base_component, executor_spec
from tfx.proto import trainer_pb2
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.channel import OutputChannel
from tfx.types.component_spec import ExecutionParameter
from tfx.utils import json_utils

from tfxflow.components.code_keyed.executor import TransformExecutor
from tfxflow.components.fingerprint_parameter import Parameter
from tfxflow.components.input_fingerprint.fingerprints import code_digest

CODE_FINGERPRINT_KEY = "code_fingerprint"


class TransformSpec(standard_component_specs.TransformSpec):
    PARAMETERS = {**standard_component_specs.TransformSpec.PARAMETERS,
                  CODE_FINGERPRINT_KEY: ExecutionParameter(type=str)}


class TrainerSpec(standard_component_specs.TrainerSpec):
    PARAMETERS = {**standard_component_specs.TrainerSpec.PARAMETERS,
                  CODE_FINGERPRINT_KEY: ExecutionParameter(type=str)}


class Transform(base_component.BaseComponent):
    """TFX's Transform (its executor, with batches of a fixed size: executor.py) on raw examples; outputs
    `transform_graph`."""

    SPEC_CLASS = TransformSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(TransformExecutor)

    def __init__(self, examples: types.BaseChannel, schema: types.BaseChannel, preprocessing_fn: str,
                 custom_config: dict[str, Any], code_fingerprint: Parameter):
        super().__init__(spec=TransformSpec(
            examples=examples,
            schema=schema,
            preprocessing_fn=preprocessing_fn,
            custom_config=json_utils.dumps(custom_config),
            disable_statistics=1,
            code_fingerprint=code_fingerprint,
            transform_graph=OutputChannel(standard_artifacts.TransformGraph, self,
                                          standard_component_specs.TRANSFORM_GRAPH_KEY),
        ))


class Trainer(base_component.BaseComponent):
    """TFX's Trainer (its generic executor) running `run_fn`; outputs `model` and `model_run`."""

    SPEC_CLASS = TrainerSpec
    EXECUTOR_SPEC = trainer_component.Trainer.EXECUTOR_SPEC

    def __init__(self, examples: types.BaseChannel, transform_graph: types.BaseChannel, schema: types.BaseChannel,
                 run_fn: str, custom_config: dict[str, Any], code_fingerprint: Parameter):
        super().__init__(spec=TrainerSpec(
            examples=examples,
            transform_graph=transform_graph,
            schema=schema,
            train_args=trainer_pb2.TrainArgs(),
            eval_args=trainer_pb2.EvalArgs(),
            run_fn=run_fn,
            custom_config=json_utils.dumps(custom_config),
            code_fingerprint=code_fingerprint,
            model=OutputChannel(standard_artifacts.Model, self, standard_component_specs.MODEL_KEY),
            model_run=OutputChannel(standard_artifacts.ModelRun, self, standard_component_specs.MODEL_RUN_KEY),
        ))


def keyed_by_code(component: base_component.BaseComponent) -> base_component.BaseComponent:
    """A user's component whose cache key includes its code: the digest of the modules of its class and
    executor (and what they import from their own packages) becomes one more execution property,
    which executors ignore, so an edit re-executes it.

        keyed_by_code(my_pkg.counting.RowCount(examples=...))
    """
    executor_class = getattr(component.executor_spec, "executor_class", None)
    modules = {type(component).__module__, *([executor_class.__module__] if executor_class else [])}
    component.exec_properties[CODE_FINGERPRINT_KEY] = code_digest(sorted(modules))
    return component
