"""Transform's default preprocessing_fn for data whose features come from the schema (csv, tfrecord, npz).

    Transform(..., preprocessing_fn="tfxflow.components.feature_model.preprocessing.preprocessing_fn",
              custom_config={"normalize": "z_score", "label": Label("plan", "classification", ("basic", "pro"),
                                                                    string=True).to_config()})  # + schema_path

Each feature is encoded as features.py plans it, and every output is a dense float32 tensor the
model can take: the single-value numeric features normalized, as the columns of one tensor `numbers`
(missing values imputed with the training mean first), categorical values as one-hot vocabulary ids
(vocabularies analyzed by TFT over the training split), vectors normalized, images scaled from the
schema's range. A class label becomes class ids 0..N-1: string labels by their position in the
schema's string_domain, so ids do not change when the data does. A regression's label stays in its
units (float32): the loss, the metrics and `predict` use them.
"""
from __future__ import annotations

from typing import Any

import tensorflow as tf
import tensorflow_transform as tft

from tfxflow.components.feature_model.features import NUMBERS, Feature, plan_features
from tfxflow.components.schema_text import read_schema
from tfxflow.components.label import Label
from tfxflow.components.normalization import normalize


def preprocessing_fn(inputs: dict[str, Any], custom_config: dict[str, Any]) -> dict[str, tf.Tensor]:
    """The transformed features, and the label: class ids, or a regression's values as float32 (not scaled:
    the model predicts the label in its own units)."""
    method = custom_config["normalize"]
    label = Label.from_config(custom_config["label"])
    plan = plan_features(read_schema(custom_config["schema_path"]), label, method)
    outputs = {name: encode(inputs[name], feature, method) for name, feature in plan.features.items()
               if name not in plan.numbers}
    if plan.numbers:
        outputs[NUMBERS] = numbers(inputs, [plan.features[name] for name in plan.numbers], method)
    outputs[label.key] = target(inputs[label.key], label)
    return outputs


def numbers(inputs: dict[str, Any], features: list[Feature], method: str) -> tf.Tensor:
    """The single-value numeric `features` as the columns of one (batch, N) float32 tensor, each normalized on
    its own by one TFT analyzer for all N (per column, what N analyzers compute). One analyzer and one
    model input per column made a table of 1,000 columns take minutes in Transform and in the Trainer
    (bench/wide_data.py). A feature that may be missing gets its training mean first (an analysis pass of
    its own, only for data that has such features)."""
    table = tf.concat([_column(inputs[feature.name]) for feature in features], axis=1)
    if any(feature.optional for feature in features):
        optional = tf.constant([feature.optional for feature in features])
        present = tf.logical_not(tf.math.is_nan(table))
        sums = tft.sum(tf.where(present, table, tf.zeros_like(table)), reduce_instance_dims=False)
        means = sums / tft.sum(tf.cast(present, tf.float64), reduce_instance_dims=False)  # float64: normalization.py
        table = tf.where(tf.logical_and(optional, tf.logical_not(present)), means, table)
    ranges = tuple(zip(*(feature.value_range for feature in features))) if method == "fixed_range" else None
    return normalize(table, method, ranges, elementwise=True)


def encode(values: tf.Tensor | tf.SparseTensor, feature: Feature, method: str) -> tf.Tensor:
    """One categorical, image or vector feature as the model receives it (float32, `feature.shape` after the
    batch dimension); single-value numeric ones are columns of numbers()."""
    if feature.kind == "categorical":
        dense = _dense(values, b"" if values.dtype == tf.string else -1)
        ids = tft.compute_and_apply_vocabulary(dense, top_k=feature.vocabulary_size, num_oov_buckets=1,
                                               vocab_filename=f"vocabulary_{feature.name}")
        return tf.one_hot(tf.reshape(ids, [-1]), feature.vocabulary_size + 1, dtype=tf.float32)
    if feature.kind == "image":
        return normalize(values, "fixed_range", feature.value_range)
    return normalize(values, method, feature.value_range)


def target(labels: tf.Tensor, label: Label) -> tf.Tensor:
    """What the model learns to output, shape (batch, 1): a regression's float32 values; int64 class ids,
    integer labels as they are, string labels by the schema's order."""
    if label.task == "regression":
        return tf.reshape(tf.cast(labels, tf.float32), [-1, 1])
    if not label.string:
        return tf.cast(labels, tf.int64)
    matches = tf.equal(tf.reshape(labels, [-1, 1]), tf.constant(label.classes))
    return tf.reshape(tf.argmax(tf.cast(matches, tf.int64), axis=1), [-1, 1])


def _dense(values: tf.Tensor | tf.SparseTensor, missing: Any) -> tf.Tensor:
    if isinstance(values, tf.SparseTensor):
        return tft.sparse_tensor_to_dense_with_shape(values, [None, 1], default_value=missing)
    return values


def _column(values: tf.Tensor | tf.SparseTensor) -> tf.Tensor:
    """One value per example as (batch, 1) float64, NaN where it is missing."""
    if isinstance(values, tf.SparseTensor):
        numbers = tf.SparseTensor(values.indices, tf.cast(values.values, tf.float64), values.dense_shape)
        return tft.sparse_tensor_to_dense_with_shape(numbers, [None, 1], default_value=float("nan"))
    return tf.reshape(tf.cast(values, tf.float64), [-1, 1])
