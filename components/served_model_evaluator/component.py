"""ServedModelEvaluator: TFX's Evaluator whose baseline is the model being served.

    evaluator = ServedModelEvaluator(examples=gen.outputs["examples"], model=trainer.outputs["model"],
                                     eval_config=config, served_baseline="gs://acme-models/mnist/1795400226")

`served_baseline` is a served version directory, or "" for none (the candidate is then judged by
the value thresholds only). It is an execution parameter, so the cache key follows it: the same
candidate is evaluated again when a different model is served. Inputs and outputs are TFX's
Evaluator's (`examples`, `model` -> `evaluation`, `blessing`).
"""
from __future__ import annotations

import tensorflow_model_analysis as tfma
from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.channel import OutputChannel
from tfx.types.component_spec import ExecutionParameter

from tfxflow.components.fingerprint_parameter import Parameter
from tfxflow.components.served_model_evaluator import executor


class ServedModelEvaluatorSpec(standard_component_specs.EvaluatorSpec):
    PARAMETERS = {
        **standard_component_specs.EvaluatorSpec.PARAMETERS,
        executor.SERVED_BASELINE_KEY: ExecutionParameter(type=str),
    }


class ServedModelEvaluator(base_beam_component.BaseBeamComponent):
    """Evaluates `model` on the eval split and blesses it against `eval_config`'s thresholds."""

    SPEC_CLASS = ServedModelEvaluatorSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(
        self,
        examples: types.BaseChannel,
        model: types.BaseChannel,
        eval_config: tfma.EvalConfig,
        served_baseline: Parameter,
    ):
        super().__init__(
            spec=ServedModelEvaluatorSpec(
                examples=examples,
                model=model,
                eval_config=eval_config,
                served_baseline=served_baseline,
                evaluation=OutputChannel(
                    standard_artifacts.ModelEvaluation, self, standard_component_specs.EVALUATION_KEY
                ),
                blessing=OutputChannel(standard_artifacts.ModelBlessing, self, standard_component_specs.BLESSING_KEY),
            )
        )
