"""A validated PipelineSpec as a TFX pipeline: which components exist and how they connect.

    fingerprints = fingerprint_inputs(**fingerprint_settings(spec))   # what the run depends on (run_inputs.py)
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
from typing import Optional

import tensorflow_data_validation as tfdv
import tensorflow_model_analysis as tfma
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx.components import StatisticsGen
from tfx.dsl.components.base import base_component, executor_spec
from tfx.orchestration import metadata, pipeline

from tfxflow.components.atomic_pusher.component import AtomicPusher
from tfxflow.components.code_keyed.component import Trainer, Transform, keyed_by_code
from tfxflow.components.drift_gate.component import DriftGate
from tfxflow.components.input_fingerprint.component import InputFingerprint
from tfxflow.components.input_fingerprint.fingerprints import Fingerprints
from tfxflow.components.schema_import.component import ImportSchemaGen
from tfxflow.components.served_model_evaluator.component import ServedModelEvaluator
from tfxflow.components.served_model_evaluator.metric_names import POSITIVE_CLASS, Metric, metric_names
from tfxflow.components.user_code import UnknownName, import_object
from tfxflow.components.validation_gate.component import ValidationGate
from tfxflow.pipelines.beam_runners import runs_in_pod
from tfxflow.pipelines.run_inputs import fingerprint_settings, model_functions
from tfxflow.pipelines.spec import Bound, ChangeBound, ComponentDeclaration, PipelineSpec, location_text

# Beam arguments that tell TFX where workers find its code (tfx/utils/dependency_utils.py).
_ENVIRONMENT_FLAGS = {"extra_packages", "extra_package", "setup_file", "requirements_file",
                      "worker_harness_container_image", "sdk_container_image"}
# Examples per model call in the Evaluator; TFMA's adaptive batching starts far smaller.
_EVAL_BATCH = 1000
# Features per TFDV combiner in StatisticsGen (StatsOptions.experimental_num_feature_partitions): one combiner
# over 1,000 numeric features peaked at 2.8 GB, two at 2.1 GB, the same statistics (bench/wide_data.py).
FEATURES_PER_PARTITION = 500


def local_pipeline(spec: PipelineSpec, fingerprints: Fingerprints) -> pipeline.Pipeline:
    """The pipeline for the local runner: artifacts under `run.pipeline_root` (a directory or a bucket),
    MLMD in SQLite in `run.root`."""
    return pipeline.Pipeline(
        pipeline_name=spec.name,
        pipeline_root=location_text(spec.run.pipeline_root),
        metadata_connection_config=metadata.sqlite_metadata_connection_config(
            str(spec.run.root.resolve() / "metadata.sqlite")),
        components=_components(spec, fingerprints),
        enable_cache=spec.run.cache,
        beam_pipeline_args=spec.beam.args,
    )


def kubeflow_pipeline(spec: PipelineSpec) -> pipeline.Pipeline:
    """The pipeline for Kubeflow, rooted at `kubeflow.pipeline_root`, whose first task fingerprints; its Beam
    components (ExampleGen from files, StatisticsGen, Transform, Evaluator) get `kubeflow.beam_args`."""
    fingerprint = InputFingerprint(**fingerprint_settings(spec))
    components = [fingerprint, *_components(spec, fingerprint.values())]
    for component in components:  # given to the pipeline, TFX would put them in every task's command
        if isinstance(component.executor_spec, executor_spec.BeamExecutorSpec):
            component.executor_spec.add_beam_pipeline_args(cluster_beam_args(spec))
    return pipeline.Pipeline(
        pipeline_name=spec.name,
        pipeline_root=spec.kubeflow.pipeline_root,
        components=components,
        enable_cache=spec.run.cache,
    )


def cluster_beam_args(spec: PipelineSpec) -> list[str]:
    """`kubeflow.beam_args`, and, for Beam's DirectRunner, whose workers are processes of the task's own pod,
    that pod's image as their environment: given Beam arguments that name no environment, TFX packs
    itself as an sdist for remote workers at the start of every Beam task (make_beam_dependency_flags in
    tfx/utils/dependency_utils.py), 1 to 3 s a task for nothing (bench/kfp_task_overhead.py).

        cluster_beam_args(spec)   # [..., "--direct_num_workers=0", "--sdk_container_image=ghcr.io/acme/tfxflow:1.0"]
    """
    args = list(spec.kubeflow.beam_args)
    named = {arg.lstrip("-").partition("=")[0] for arg in args}
    if spec.kubeflow.image and runs_in_pod(args) and not named & _ENVIRONMENT_FLAGS:
        args.append(f"--sdk_container_image={spec.kubeflow.image}")
    return args


def statistics_options(schema: schema_pb2.Schema) -> Optional[tfdv.StatsOptions]:
    """StatisticsGen's TFDV options for `schema`: a wide schema's features split among TFDV's combiners, at
    most FEATURES_PER_PARTITION each (None, TFDV's defaults, for a narrower one).

        statistics_options(schema_of_1000_columns).experimental_num_feature_partitions   # 3
    """
    partitions = -(-len(schema.feature) // FEATURES_PER_PARTITION)
    return tfdv.StatsOptions(experimental_num_feature_partitions=partitions) if partitions > 1 else None


def _components(spec: PipelineSpec, fingerprints: Fingerprints) -> list[base_component.BaseComponent]:
    functions = model_functions(spec)
    label = spec.target()
    example_gen = spec.ingest.example_gen(spec.ingest.data_uri(), fingerprints.data, label.key)
    examples = example_gen.outputs["examples"]
    schema = ImportSchemaGen(schema_file=location_text(spec.schema_file), fingerprint=fingerprints.schema)
    statistics = StatisticsGen(examples=examples, schema=schema.outputs["schema"],
                               stats_options=statistics_options(spec.schema()))
    gate = ValidationGate(statistics=statistics.outputs["statistics"], schema=schema.outputs["schema"]).with_id(
        "ExampleValidator"
    )
    transform = Transform(
        examples=examples,
        schema=schema.outputs["schema"],
        preprocessing_fn=functions["preprocessing_fn"],
        custom_config={"normalize": spec.transform.normalize, "label": label.to_config()},
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
        custom_config={**spec.trainer.model_dump(exclude={"run_fn"}), "label": label.to_config(),
                       "kind": spec.ingest.kind},
        code_fingerprint=fingerprints.trainer_code,
    )
    evaluator = ServedModelEvaluator(
        examples=examples,
        model=trainer.outputs["model"],
        eval_config=eval_config(spec),
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
    built = [example_gen, schema, statistics, *checks, transform, trainer, evaluator, pusher]
    for declared in spec.components:
        built.append(user_component(declared, {component.id: component for component in built}))
    return built


def user_component_class(declared: ComponentDeclaration) -> type[base_component.BaseComponent]:
    """The TFX component class `declared` names, its module imported (its code runs); UnknownName (one line
    naming the component) when it cannot be imported or is no component class."""
    where = f"components: {declared.id}"
    try:
        component_class = import_object(declared.class_)
    except UnknownName as error:
        raise UnknownName(f"{where}: {error}") from None
    if not (isinstance(component_class, type) and issubclass(component_class, base_component.BaseComponent)):
        raise UnknownName(f"{where}: class {declared.class_} is not a TFX component (BaseComponent subclass)")
    return component_class


def user_component(declared: ComponentDeclaration, built: dict[str, base_component.BaseComponent]
                   ) -> base_component.BaseComponent:
    """The user's component `declared`, its inputs the outputs of the `built` components they name.

    TFX keys a component's cache on its class path and parameters, not on its code: it is keyed by
    its code too (keyed_by_code), so an edit re-executes it.
    """
    where = f"components: {declared.id}"
    if declared.id in built:
        raise UnknownName(f"{where}: the id is taken by a component of the pipeline; expected another")
    component_class = user_component_class(declared)
    channels = {}
    for argument, reference in declared.inputs.items():
        producer, _, key = reference.partition(".")
        if producer not in built:
            raise UnknownName(f"{where}: inputs.{argument}: no component {producer!r} before it; "
                              f"expected one of {', '.join(built)}")
        if key not in built[producer].outputs:
            raise UnknownName(f"{where}: inputs.{argument}: {producer} has no output {key!r}; "
                              f"expected one of {', '.join(built[producer].outputs)}")
        channels[argument] = built[producer].outputs[key]
    try:
        component = component_class(**declared.args, **channels).with_id(declared.id)
    except (TypeError, ValueError) as error:
        raise UnknownName(f"{where}: {declared.class_} refused its arguments: {error}") from None
    return keyed_by_code(component)


def eval_config(spec: PipelineSpec) -> tfma.EvalConfig:
    """Every metric the task computes (metric_names.py), each judged by its bounds in
    `evaluator.thresholds` and, against the served model, `evaluator.change`. A classification's
    accuracy per class is read from the overall confusion matrix (metrics.accuracy_by_class_id: a
    slice per class gave the same numbers, 1 s later on MNIST); a binary classifier's ROC curve from a
    confusion matrix over thresholds of the positive class. A class label is read from the model's
    `transform_features` (a string label's class id), except for a preset's own code, whose raw label
    is the class id already; a regression's raw label is its value."""
    label = spec.target()
    spec.evaluator.fill(label)
    metrics = metric_names(label)
    raw_label = label.task == "regression" or (
        spec.trainer.model in spec.ingest.MODELS and not spec.transform.preprocessing_fn)
    configs: dict[bool, list[tfma.MetricConfig]] = {False: [tfma.MetricConfig(class_name="ExampleCount")], True: []}
    for name, metric in metrics.items():
        threshold = _threshold(metric, spec.evaluator.thresholds.get(name), spec.evaluator.change.get(name))
        configs[metric.binary].append(tfma.MetricConfig(
            class_name=metric.class_name, module=metric.module,
            config=json.dumps(metric.config) if metric.config else "",
            per_slice_thresholds=[tfma.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()], threshold=threshold)]
            if threshold else []))
    if label.task == "classification":
        configs[False].append(tfma.MetricConfig(class_name="MultiClassConfusionMatrixPlot"))  # for the report
    if label.binary:
        configs[True].append(tfma.MetricConfig(class_name="ConfusionMatrixPlot"))  # the report's ROC curve
    specs = [tfma.MetricsSpec(metrics=configs[False])]
    if configs[True]:
        specs.append(tfma.MetricsSpec(metrics=configs[True], binarize=tfma.BinarizationOptions(
            class_ids={"values": [POSITIVE_CLASS]})))
    return tfma.EvalConfig(
        model_specs=[
            tfma.ModelSpec(signature_name="serving_default", label_key=label.key,
                           prediction_key="value" if label.task == "regression" else "probabilities",
                           preprocessing_function_names=[] if raw_label else ["transform_features"],
                           inference_batch_size=_EVAL_BATCH)
        ],
        # The metrics above are all that is judged or reported; recomputing the model's compiled
        # loss and metrics as TFMA's defaults cost MNIST's Evaluator time for nothing.
        options=tfma.Options(include_default_metrics={"value": False}),
        slicing_specs=[tfma.SlicingSpec()],
        metrics_specs=specs,
    )


def _threshold(metric: Metric, bound: Bound | None, change: ChangeBound | None) -> tfma.MetricThreshold | None:
    """TFMA's threshold for a metric's value bounds and its change against the baseline, if any."""
    if bound is None and change is None:
        return None
    threshold = tfma.MetricThreshold()
    if bound is not None:
        if bound.lower is not None:
            threshold.value_threshold.lower_bound.value = bound.lower
        if bound.upper is not None:
            threshold.value_threshold.upper_bound.value = bound.upper
    if change is not None:
        higher = metric.higher_is_better
        threshold.change_threshold.direction = (tfma.MetricDirection.HIGHER_IS_BETTER if higher else
                                                tfma.MetricDirection.LOWER_IS_BETTER)
        allowed = -change.max_decrease if higher else change.max_increase
        getattr(threshold.change_threshold, "relative" if change.relative else "absolute").value = allowed
    return threshold
