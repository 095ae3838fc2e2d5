"""`tfxflow schema infer`: a starting schema from a pipeline's training split, for a person to curate.

    schema = infer_schema(load_spec("churn.yaml", schema_required=False))
    write_schema(schema, Path("schemas/churn/schema.pbtxt"), replace=False)

TFDV infers each feature's type, presence, valency and domain from the statistics of the training
split (read by the ingest kind's `training_examples`); tfxflow adds what TFDV never proposes: the
label's classes (an integer label's int_domain 0..max; a string label keeps TFDV's string_domain),
the shape of features the kind knows to be images (`feature_shapes`) with the value range seen, and
a drift comparator for every feature: an L-infinity distance for categorical features and the
label, a Jensen-Shannon divergence for numeric ones. The thresholds are starting points: curate
them (and the domains) against data you trust, then commit the file and name it in `schema_file`.
"""
from __future__ import annotations

import os
from pathlib import Path

import tensorflow_data_validation as tfdv
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from tfxflow.components.errors import BadInput
from tfxflow.pipelines.drift import record_statistics
from tfxflow.pipelines.spec import PipelineSpec

# Proposed thresholds, of the order the curated schemas use for data that has not moved.
CATEGORICAL_THRESHOLD = 0.05
NUMERIC_THRESHOLD = 0.01
# The most classes a string label's domain is written with, unless `schema infer --max-classes` says otherwise
# (TFDV itself writes a string domain of at most 100 values, for features and labels alike).
MAX_CLASSES = 1000


class SchemaInferError(BadInput):
    """No schema can be inferred or written as asked; the message is one line."""


def infer_schema(spec: PipelineSpec, max_classes: int = MAX_CLASSES) -> tuple[schema_pb2.Schema, str]:
    """The schema TFDV infers from the spec's training split, with drift comparators; and what was read.
    A string label's classes are its values, up to `max_classes` (SchemaInferError beyond, naming the limit)."""
    try:
        records, described = spec.ingest.training_examples(spec.label.key)
    except NotImplementedError:
        raise SchemaInferError(
            f"ingest kind {spec.ingest.kind!r} cannot read its training split (it has no training_examples); "
            "write the schema by hand"
        ) from None
    statistics, examples = record_statistics(records, None, num_rank_histogram_buckets=max_classes + 1)
    if not examples:
        raise SchemaInferError(f"no training examples in {described}; expected at least one to infer a schema from")
    schema = tfdv.infer_schema(statistics)
    shapes = spec.ingest.feature_shapes()
    stats_of = {".".join(stats.path.step): stats for stats in statistics.datasets[0].features}
    numbers = {name: stats.num_stats for name, stats in stats_of.items() if stats.HasField("num_stats")}
    for feature in schema.feature:
        if not feature.HasField("shape") and _max_values(stats_of[feature.name]) <= 1:
            feature.value_count.max = 1  # at most one value, sometimes none (an empty CSV cell): imputed
        if feature.name == spec.label.key and feature.type == schema_pb2.BYTES:
            _class_names(schema, feature, stats_of[feature.name].string_stats, max_classes)
        if feature.name == spec.label.key and feature.type == schema_pb2.INT and spec.task != "regression":
            # class ids 0..N-1: the classes, and drift is a change of class shares
            feature.int_domain.min, feature.int_domain.max = 0, int(numbers[feature.name].max)
            feature.int_domain.is_categorical = True
        if len(shapes.get(feature.name, ())) > 1:
            feature.shape.ClearField("dim")
            feature.shape.dim.extend(schema_pb2.FixedShape.Dim(size=size) for size in shapes[feature.name])
            _value_range(feature, numbers[feature.name])
        categorical = feature.type == schema_pb2.BYTES or feature.int_domain.is_categorical
        if categorical:
            feature.drift_comparator.infinity_norm.threshold = CATEGORICAL_THRESHOLD
        else:
            feature.drift_comparator.jensen_shannon_divergence.threshold = NUMERIC_THRESHOLD
    return schema, described


def write_schema(schema: schema_pb2.Schema, output: Path, replace: bool) -> None:
    """Writes `schema` as protobuf text to `output`, whole or not at all; an existing file (a curated
    schema, perhaps) is replaced only if `replace`."""
    if output.exists() and not replace:
        raise SchemaInferError(f"{output}: exists (a curated schema?); pass --force to replace it, or another --output")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
    try:
        partial.write_text(text_format.MessageToString(schema), encoding="utf-8")
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)


def _class_names(schema: schema_pb2.Schema, label: schema_pb2.Feature, stats: statistics_pb2.StringStatistics,
                 max_classes: int) -> None:
    """Every value of the string label as its string_domain (its order is the class ids), where TFDV wrote
    none (over 100 values); SchemaInferError (one line) for more than `max_classes`."""
    if label.HasField("domain"):
        return
    if len(stats.rank_histogram.buckets) > max_classes:  # it holds max_classes + 1 values at most
        raise SchemaInferError(
            f"label {label.name!r}: about {stats.unique:,} distinct values (TFDV's estimate), over the {max_classes:,} "
            "classes schema infer writes; expected a label of fewer classes, or a --max-classes above that")
    values = sorted(bucket.label for bucket in stats.rank_histogram.buckets)
    schema.string_domain.add(name=label.name, value=values)
    label.domain = label.name


def _max_values(stats: statistics_pb2.FeatureNameStatistics) -> int:
    kind = stats.WhichOneof("stats")
    return getattr(stats, kind).common_stats.max_num_values if kind in ("num_stats", "string_stats") else 2


def _value_range(feature: schema_pb2.Feature, stats: object) -> None:
    """The range of values seen, as the feature's domain (an image is scaled from it)."""
    if feature.type == schema_pb2.INT:
        feature.int_domain.min, feature.int_domain.max = int(stats.min), int(stats.max)
    else:
        feature.float_domain.min, feature.float_domain.max = float(stats.min), float(stats.max)
