"""A validated PipelineSpec as a TFX pipeline: which components exist and how they connect.

    fingerprints = fingerprint_inputs(**fingerprint_settings(spec))   # what the run depends on
    pipeline = local_pipeline(spec, fingerprints)                    # or kubeflow_pipeline(spec)

ExampleGen -> StatisticsGen -> ExampleValidator (against the curated schema) and DriftGate (against
the served model's training statistics) -> Transform -> Trainer -> Evaluator (against the served
model) -> Pusher. The content fingerprints of the data, the schema and the model code, and the
lineage (those and the training settings), are parameters of the components they concern, so
caches follow content; a local run computes them first, a Kubeflow run in its first task
(InputFingerprint, never cached). No resolver: the baselines are read from the serving
directory, the same way in a pod as on this machine. Model code is referenced by import path,
never by module_file, so an unchanged rerun is served entirely from cache.
"""

from __future__ import annotations

import json
from typing import Any

import tensorflow_model_analysis as tfma
from tfx.components import StatisticsGen
from tfx.dsl.components.base import base_component
from tfx.orchestration import metadata, pipeline

from components.atomic_pusher.component import AtomicPusher
from components.baker_example_gen.component import BakerExampleGen
from components.code_keyed.component import Trainer, Transform
from components.drift_gate.component import DriftGate
from components.input_fingerprint.component import InputFingerprint
from components.input_fingerprint.fingerprints import Fingerprints
from components.npz_example_gen.component import NpzExampleGen
from components.npz_example_gen.keras_download import keras_mnist
from components.schema_import.component import ImportSchemaGen
from components.served_model_evaluator.component import ServedModelEvaluator
from components.validation_gate.component import ValidationGate
from pipelines.spec import BakerIngest, EvaluatorSettings, PipelineSpec, location_text

# Per ingest kind, the package holding `preprocessing.preprocessing_fn` and `model.run_fn`.
MODEL_PACKAGES = {"baker": "components.baker_model", "mnist": "components.mnist_model"}
LABEL_KEY = "label"
# Examples per model call in the Evaluator; TFMA's adaptive batching starts far smaller.
_EVAL_BATCH = 1000


def local_pipeline(spec: PipelineSpec, fingerprints: Fingerprints) -> pipeline.Pipeline:
    """The pipeline for the local runner, rooted at `run.root` with MLMD in SQLite there."""
    root = spec.run.root.resolve()
    return pipeline.Pipeline(
        pipeline_name=spec.name,
        pipeline_root=str(root / "pipeline"),
        metadata_connection_config=metadata.sqlite_metadata_connection_config(str(root / "metadata.sqlite")),
        components=_components(spec, fingerprints),
        enable_cache=spec.run.cache,
        beam_pipeline_args=spec.beam.args,
    )


def kubeflow_pipeline(spec: PipelineSpec) -> pipeline.Pipeline:
    """The pipeline for Kubeflow, rooted at `kubeflow.pipeline_root`, whose first task fingerprints."""
    fingerprint = InputFingerprint(**fingerprint_settings(spec))
    return pipeline.Pipeline(
        pipeline_name=spec.name,
        pipeline_root=spec.kubeflow.pipeline_root,
        components=[fingerprint, *_components(spec, fingerprint.values())],
        enable_cache=spec.run.cache,
        beam_pipeline_args=spec.kubeflow.beam_args,
    )


def fingerprint_settings(spec: PipelineSpec) -> dict[str, Any]:
    """What the fingerprints are taken of (the parameters of fingerprint_inputs and InputFingerprint):
    the ingestion's settings and data, the schema file, the settings and code that train the model,
    and the serving directory the baselines come from."""
    return {
        "ingest": _json(spec.ingest.model_dump(mode="json", exclude={"path"})),
        "data_uri": "" if isinstance(spec.ingest, BakerIngest) else _data_path(spec),
        "schema_file": location_text(spec.schema_file),
        "settings": _json({"transform": spec.transform.model_dump(mode="json"),
                           "trainer": spec.trainer.model_dump(mode="json")}),
        **model_functions(spec),
        "serving_dir": location_text(spec.pusher.serving_dir),
    }


def model_functions(spec: PipelineSpec) -> dict[str, str]:
    """The import paths of the `preprocessing_fn` (Transform) and `run_fn` (Trainer) the spec's model runs."""
    package = MODEL_PACKAGES[spec.ingest.kind]
    return {"preprocessing_fn": f"{package}.preprocessing.preprocessing_fn", "run_fn": f"{package}.model.run_fn"}


def _components(spec: PipelineSpec, fingerprints: Fingerprints) -> list[base_component.BaseComponent]:
    functions = model_functions(spec)
    example_gen = _example_gen(spec, fingerprints)
    examples = example_gen.outputs["examples"]
    schema = ImportSchemaGen(schema_file=location_text(spec.schema_file), fingerprint=fingerprints.schema)
    statistics = StatisticsGen(examples=examples, schema=schema.outputs["schema"])
    gate = ValidationGate(statistics=statistics.outputs["statistics"], schema=schema.outputs["schema"]).with_id(
        "ExampleValidator"
    )
    transform = Transform(
        examples=examples,
        schema=schema.outputs["schema"],
        preprocessing_fn=functions["preprocessing_fn"],
        custom_config={"normalize": spec.transform.normalize},
        code_fingerprint=fingerprints.transform_code,
    )
    transform.add_upstream_node(gate)  # nothing is transformed or trained unless the data passed
    checks: list[base_component.BaseComponent] = [gate]
    if spec.drift.baseline == "served_model":
        drift = DriftGate(statistics=statistics.outputs["statistics"], schema=schema.outputs["schema"],
                          baseline=fingerprints.drift_baseline, fail_on_drift=spec.drift.fail_on_drift)
        drift.add_upstream_node(gate)  # data that breaks the schema is reported as that, not as drift
        transform.add_upstream_node(drift)  # with drift.fail_on_drift, drifted data is not trained on
        checks.append(drift)
    trainer = Trainer(
        examples=examples,
        transform_graph=transform.outputs["transform_graph"],
        schema=schema.outputs["schema"],
        run_fn=functions["run_fn"],
        custom_config=spec.trainer.model_dump(),
        code_fingerprint=fingerprints.trainer_code,
    )
    evaluator = ServedModelEvaluator(
        examples=examples,
        model=trainer.outputs["model"],
        eval_config=eval_config(spec.evaluator),
        served_baseline=fingerprints.model_baseline,
    ).with_id("Evaluator")
    pusher = AtomicPusher(
        model=trainer.outputs["model"],
        model_blessing=evaluator.outputs["blessing"],
        statistics=statistics.outputs["statistics"],
        serving_dir=location_text(spec.pusher.serving_dir),
        data_fingerprint=fingerprints.data,
        lineage=fingerprints.lineage,
        keep=spec.pusher.keep,
    ).with_id("Pusher")
    return [example_gen, schema, statistics, *checks, transform, trainer, evaluator, pusher]


def eval_config(settings: EvaluatorSettings) -> tfma.EvalConfig:
    """Accuracy overall must reach `min_accuracy` and drop at most `max_accuracy_drop` below the
    baseline's; accuracy is also reported per class (a slice per label value)."""
    threshold = tfma.MetricThreshold(
        value_threshold=tfma.GenericValueThreshold(lower_bound={"value": settings.min_accuracy}),
        change_threshold=tfma.GenericChangeThreshold(
            direction=tfma.MetricDirection.HIGHER_IS_BETTER, absolute={"value": -settings.max_accuracy_drop}
        ),
    )
    return tfma.EvalConfig(
        model_specs=[
            tfma.ModelSpec(signature_name="serving_default", label_key=LABEL_KEY, inference_batch_size=_EVAL_BATCH)
        ],
        # The metrics below are all that is judged or reported; recomputing the model's compiled
        # loss and accuracy as TFMA's defaults cost MNIST's Evaluator time for nothing.
        options=tfma.Options(include_default_metrics={"value": False}),
        slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=[LABEL_KEY])],
        metrics_specs=[
            tfma.MetricsSpec(
                metrics=[
                    tfma.MetricConfig(
                        class_name="SparseCategoricalAccuracy",
                        per_slice_thresholds=[
                            tfma.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()], threshold=threshold)
                        ],
                    ),
                    tfma.MetricConfig(class_name="ExampleCount"),
                ]
            )
        ],
    )


def _example_gen(spec: PipelineSpec, fingerprints: Fingerprints) -> base_component.BaseComponent:
    ingest = spec.ingest
    if isinstance(ingest, BakerIngest):  # generated: its settings are its data
        return BakerExampleGen(
            train_examples=ingest.examples, eval_examples=ingest.eval_examples, length=ingest.length, seed=ingest.seed
        )
    return NpzExampleGen(path=_data_path(spec), fingerprint=fingerprints.data)


def _data_path(spec: PipelineSpec) -> str:
    return location_text(spec.ingest.path) if spec.ingest.path else keras_mnist()


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
