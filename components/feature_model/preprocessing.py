"""Transform's default preprocessing_fn for data whose features come from the schema (csv, tfrecord, npz).

    Transform(..., preprocessing_fn="tfxflow.components.feature_model.preprocessing.preprocessing_fn",
              custom_config={"normalize": "z_score", "label": Label("plan", "classification", ("basic", "pro"),
                                                                    string=True).to_config()})  # + schema_path

Each feature is encoded as features.py plans it, and every output is a dense float32 tensor the
model can take: numeric values normalized (missing ones imputed with the training mean first),
categorical values as one-hot vocabulary ids (vocabularies analyzed by TFT over the training
split), images scaled from the schema's range. A class label becomes class ids 0..N-1: string labels
by their position in the schema's string_domain, so ids do not change when the data does. A
regression's label stays in its units (float32): the loss, the metrics and `predict` use them.
"""
from __future__ import annotations

from typing import Any

import tensorflow as tf
import tensorflow_transform as tft

from tfxflow.components.feature_model.features import Feature, plan_features
from tfxflow.components.schema_text import read_schema
from tfxflow.components.label import Label
from tfxflow.components.normalization import normalize


def preprocessing_fn(inputs: dict[str, Any], custom_config: dict[str, Any]) -> dict[str, tf.Tensor]:
    """The transformed features, and the label: class ids, or a regression's values as float32 (not scaled:
    the model predicts the label in its own units)."""
    method = custom_config["normalize"]
    label = Label.from_config(custom_config["label"])
    plan = plan_features(read_schema(custom_config["schema_path"]), label, method)
    outputs = {name: encode(inputs[name], feature, method) for name, feature in plan.features.items()}
    outputs[label.key] = target(inputs[label.key], label)
    return outputs


def encode(values: tf.Tensor | tf.SparseTensor, feature: Feature, method: str) -> tf.Tensor:
    """One feature as the model receives it (float32, `feature.shape` after the batch dimension)."""
    if feature.kind == "categorical":
        dense = _dense(values, b"" if values.dtype == tf.string else -1)
        ids = tft.compute_and_apply_vocabulary(dense, top_k=feature.vocabulary_size, num_oov_buckets=1,
                                               vocab_filename=f"vocabulary_{feature.name}")
        return tf.one_hot(tf.reshape(ids, [-1]), feature.vocabulary_size + 1, dtype=tf.float32)
    if feature.kind == "image":
        return normalize(values, "fixed_range", feature.value_range)
    numbers = tf.cast(values, tf.float32) if isinstance(values, tf.Tensor) else _imputed(values)
    return normalize(numbers, method, feature.value_range)


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


def _imputed(values: tf.SparseTensor) -> tf.Tensor:
    """A feature that may be missing, as (batch, 1) floats with the training mean where it is."""
    numbers = tf.SparseTensor(values.indices, tf.cast(values.values, tf.float64), values.dense_shape)
    mean = tft.mean(numbers)  # summed in float64, as normalization.py explains
    dense = tft.sparse_tensor_to_dense_with_shape(numbers, [None, 1], default_value=float("nan"))
    return tf.cast(tf.where(tf.math.is_nan(dense), mean, dense), tf.float32)
