"""`tfxflow schema infer`: a starting schema from a pipeline's training split, for a person to curate.

    schema = infer_schema(load_spec("churn.yaml", schema_required=False))
    write_schema(schema, Path("schemas/churn/schema.pbtxt"), replace=False)

TFDV infers each feature's type, presence, valency and domain from the statistics of the training
split (read by the ingest kind's `training_examples`); tfxflow adds a drift comparator to every
feature, which TFDV never proposes: an L-infinity distance for categorical features and the label,
a Jensen-Shannon divergence for numeric ones. The thresholds are starting points: curate them (and
the domains) against data you trust, then commit the file and name it in `schema_file`.
"""
from __future__ import annotations

import os
from pathlib import Path

import tensorflow_data_validation as tfdv
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from tfxflow.components.drift_gate.drift import statistics_of
from tfxflow.pipelines.drift import decode_examples
from tfxflow.pipelines.spec import PipelineSpec

LABEL_KEY = "label"
# Proposed thresholds, of the order the curated schemas use for data that has not moved.
CATEGORICAL_THRESHOLD = 0.05
NUMERIC_THRESHOLD = 0.01


class SchemaInferError(ValueError):
    """No schema can be inferred or written as asked; the message is one line."""


def infer_schema(spec: PipelineSpec) -> tuple[schema_pb2.Schema, str]:
    """The schema TFDV infers from the spec's training split, with drift comparators; and what was read."""
    try:
        records, described = spec.ingest.training_examples()
    except NotImplementedError:
        raise SchemaInferError(
            f"ingest kind {spec.ingest.kind!r} cannot read its training split (it has no training_examples); "
            "write the schema by hand"
        ) from None
    statistics = statistics_of(decode_examples(records), schema=None)
    schema = tfdv.infer_schema(statistics)
    for feature in schema.feature:
        if feature.name == LABEL_KEY and feature.type == schema_pb2.INT:
            feature.int_domain.is_categorical = True  # class ids: drift is a change of class shares
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
