"""A validated PipelineSpec as a TFX pipeline: which components exist and how they connect.

    pipeline = build_pipeline(load_spec("pipelines/baker.yaml"))

ExampleGen -> StatisticsGen -> ExampleValidator (against the curated schema) and DriftGate (against
the previous successful run's statistics) -> Transform -> Trainer -> Evaluator (against the
previous blessed model) -> Pusher. Model code is referenced by
import path, never by module_file, so an unchanged rerun is served entirely from cache.
"""

from __future__ import annotations

import tensorflow_model_analysis as tfma
from tfx.components import Evaluator, Pusher, StatisticsGen, Trainer, Transform
from tfx.components.schema_gen.import_schema_gen.component import ImportSchemaGen
from tfx.dsl.components.base import base_component, executor_spec
from tfx.dsl.components.common.resolver import Resolver
from tfx.dsl.input_resolution.strategies.latest_artifact_strategy import LatestArtifactStrategy
from tfx.dsl.input_resolution.strategies.latest_blessed_model_strategy import LatestBlessedModelStrategy
from tfx.orchestration import metadata, pipeline
from tfx.proto import pusher_pb2, trainer_pb2
from tfx.types import Channel, standard_artifacts

from components.atomic_pusher import executor as atomic_pusher
from components.baker_example_gen.component import BakerExampleGen
from components.npz_example_gen.component import NpzExampleGen
from components.npz_example_gen.keras_download import keras_mnist
from components.baseline_resolver import CANDIDATE_KEY, PreviousBlessedModelStrategy
from components.drift_gate import baseline as previous_run
from components.drift_gate.component import DriftGate
from components.validation_gate.component import ValidationGate
from pipelines.spec import BakerIngest, EvaluatorSettings, Ingest, PipelineSpec, location_text

# Per ingest kind, the package holding `preprocessing.preprocessing_fn` and `model.run_fn`.
MODEL_PACKAGES = {"baker": "components.baker_model", "mnist": "components.mnist_model"}
LABEL_KEY = "label"
# Examples per model call in the Evaluator; TFMA's adaptive batching starts far smaller.
_EVAL_BATCH = 1000


def build_pipeline(spec: PipelineSpec, for_kubeflow: bool = False) -> pipeline.Pipeline:
    """The TFX pipeline the spec declares: rooted at `run.root` with MLMD in SQLite there, or
    `for_kubeflow`, rooted at `kubeflow.pipeline_root` with the cluster's Beam arguments and MLMD."""
    models = MODEL_PACKAGES[spec.ingest.kind]
    example_gen = _example_gen(spec.ingest)
    examples = example_gen.outputs["examples"]
    schema = ImportSchemaGen(schema_file=location_text(spec.schema_file))
    statistics = StatisticsGen(examples=examples, schema=schema.outputs["schema"])
    gate = ValidationGate(statistics=statistics.outputs["statistics"], schema=schema.outputs["schema"]).with_id(
        "ExampleValidator"
    )
    transform = Transform(
        examples=examples,
        schema=schema.outputs["schema"],
        preprocessing_fn=f"{models}.preprocessing.preprocessing_fn",
        custom_config={"normalize": spec.transform.normalize},
        # The Trainer applies the transform graph to raw examples itself (as serving does), and
        # StatisticsGen already described the data: writing transformed copies of every example
        # and computing statistics twice more cost MNIST ~12 s and add nothing.
        materialize=False,
        disable_statistics=True,
    )
    transform.add_upstream_node(gate)  # nothing is transformed or trained unless the data passed
    drift_nodes = _drift_check(spec, statistics.outputs["statistics"], schema.outputs["schema"], for_kubeflow)
    if drift_nodes:
        transform.add_upstream_node(drift_nodes[1])  # with drift.fail_on_drift, drifted data is not trained on
    trainer = Trainer(
        examples=examples,
        transform_graph=transform.outputs["transform_graph"],
        schema=schema.outputs["schema"],
        run_fn=f"{models}.model.run_fn",
        train_args=trainer_pb2.TrainArgs(),
        eval_args=trainer_pb2.EvalArgs(),
        custom_config=spec.trainer.model_dump(),
    )
    baseline = _baseline_resolver(trainer.outputs["model"], for_kubeflow)
    evaluator = Evaluator(
        examples=examples,
        model=trainer.outputs["model"],
        baseline_model=baseline.outputs["model"],
        eval_config=eval_config(spec.evaluator),
    )
    pusher = Pusher(
        model=trainer.outputs["model"],
        model_blessing=evaluator.outputs["blessing"],
        push_destination=pusher_pb2.PushDestination(
            filesystem=pusher_pb2.PushDestination.Filesystem(base_directory=location_text(spec.pusher.serving_dir))
        ),
        custom_config={"keep": spec.pusher.keep},
        custom_executor_spec=executor_spec.ExecutorClassSpec(atomic_pusher.Executor),
    )
    components: list[base_component.BaseComponent] = [
        example_gen,
        schema,
        statistics,
        gate,
        *drift_nodes,
        transform,
        trainer,
        baseline,
        evaluator,
        pusher,
    ]
    if for_kubeflow:
        return pipeline.Pipeline(
            pipeline_name=spec.name,
            pipeline_root=spec.kubeflow.pipeline_root,
            components=components,
            enable_cache=spec.run.cache,
            beam_pipeline_args=spec.kubeflow.beam_args,
        )
    root = spec.run.root.resolve()
    return pipeline.Pipeline(
        pipeline_name=spec.name,
        pipeline_root=str(root / "pipeline"),
        metadata_connection_config=metadata.sqlite_metadata_connection_config(str(root / "metadata.sqlite")),
        components=components,
        enable_cache=spec.run.cache,
        beam_pipeline_args=spec.beam.args,
    )


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


def _drift_check(
    spec: PipelineSpec, statistics: Channel, schema: Channel, for_kubeflow: bool
) -> tuple[Resolver, DriftGate] | tuple[()]:
    """The resolver of the previous successful run's statistics and the DriftGate, or nothing."""
    if spec.drift.baseline == "none":
        return ()
    if for_kubeflow:  # KubeflowV2DagRunner compiles only TFX's own strategies: the latest statistics
        strategy, candidate_input = LatestArtifactStrategy, {}
    else:
        strategy, candidate_input = previous_run.PreviousRunStatisticsStrategy, {previous_run.CANDIDATE_KEY: statistics}
    previous = Resolver(
        strategy_class=strategy,
        **{previous_run.STATISTICS_KEY: Channel(type=standard_artifacts.ExampleStatistics)},
        **candidate_input,
    ).with_id("previous_statistics_resolver")
    gate = DriftGate(
        statistics=statistics,
        schema=schema,
        baseline_statistics=previous.outputs[previous_run.STATISTICS_KEY],
        fail_on_drift=spec.drift.fail_on_drift,
    )
    return previous, gate


def _baseline_resolver(candidate: Channel, for_kubeflow: bool) -> Resolver:
    """The blessed model a candidate is compared with. Locally the newest blessed one older than the
    candidate, so an unchanged, cached rerun is not compared with itself; KubeflowV2DagRunner only
    compiles TFX's own LatestBlessedModelStrategy (KFP's cache keeps the rerun from re-evaluating)."""
    if for_kubeflow:
        strategy, candidate_input = LatestBlessedModelStrategy, {}
    else:
        strategy, candidate_input = PreviousBlessedModelStrategy, {CANDIDATE_KEY: candidate}
    return Resolver(
        strategy_class=strategy,
        model=Channel(type=standard_artifacts.Model),
        model_blessing=Channel(type=standard_artifacts.ModelBlessing),
        **candidate_input,
    ).with_id("baseline_model_resolver")


def _example_gen(ingest: Ingest) -> base_component.BaseComponent:
    if isinstance(ingest, BakerIngest):
        return BakerExampleGen(
            train_examples=ingest.examples, eval_examples=ingest.eval_examples, length=ingest.length, seed=ingest.seed
        )
    return NpzExampleGen(path=location_text(ingest.path) if ingest.path else keras_mnist())
