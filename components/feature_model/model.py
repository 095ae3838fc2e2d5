"""Trainer's run_fn for data whose features come from the schema, and the built-in model functions.

    Trainer(..., run_fn="tfxflow.components.feature_model.model.run_fn",
            custom_config={"model": "mlp", "label": label.to_config(), "epochs": 30, ...})

The built-ins are registered in setup.py's `tfxflow.models` entry points exactly as a user's
package can register its own, and take what a user's model function takes:
`(feature_shapes, outputs) -> tf.keras.Model`, inputs named after the transformed features (the
single-value numeric ones as the columns of one input, `numbers`), and `outputs` the number of
classes (a softmax over them) or 1 for a regression (one linear output).

    mlp   every feature, flattened and concatenated, through two dense layers
    cnn   two convolution blocks per image feature (H x W or H x W x C), beside the other features
    conv  width-2 convolutions along each vector feature (sequences), beside the other features (and
          beside `numbers`, whose columns are no sequence)
"""
from __future__ import annotations

import tensorflow as tf
from tfx.components.trainer.fn_args_utils import FnArgs

from tfxflow.components.feature_model.features import IMAGE_RANKS, NUMBERS
from tfxflow.components.keras_training import train_and_export

Shapes = dict[str, tuple[int, ...]]


def run_fn(fn_args: FnArgs) -> None:
    """Trains the model function custom_config['model'] names and exports it."""
    train_and_export(fn_args, {})


def mlp(feature_shapes: Shapes, outputs: int) -> tf.keras.Model:
    """Dense(64, relu) -> Dense(32, relu) -> the head (head()) over all features."""
    inputs = _inputs(feature_shapes)
    hidden = _joined([tf.keras.layers.Flatten()(tensor) for tensor in inputs.values()])
    hidden = tf.keras.layers.Dense(64, activation="relu")(hidden)
    hidden = tf.keras.layers.Dense(32, activation="relu")(hidden)
    return tf.keras.Model(inputs, head(hidden, outputs))


def cnn(feature_shapes: Shapes, outputs: int) -> tf.keras.Model:
    """Conv(32) -> pool -> Conv(64) -> pool -> global average per image, then Dense(128) over all."""
    inputs = _inputs(feature_shapes)
    images = [name for name, shape in feature_shapes.items() if len(shape) in IMAGE_RANKS]
    if not images:
        raise ValueError(f"trainer.model: cnn needs an image feature (shape H x W or H x W x C); the features "
                         f"are {_described(feature_shapes)}")
    parts = []
    for name, tensor in inputs.items():
        if name not in images:
            parts.append(tf.keras.layers.Flatten()(tensor))
            continue
        if len(feature_shapes[name]) == 2:
            tensor = tf.keras.layers.Reshape((*feature_shapes[name], 1))(tensor)
        tensor = tf.keras.layers.Conv2D(32, 3, padding="same", activation="relu")(tensor)
        tensor = tf.keras.layers.MaxPooling2D()(tensor)
        tensor = tf.keras.layers.Conv2D(64, 3, padding="same", activation="relu")(tensor)
        tensor = tf.keras.layers.MaxPooling2D()(tensor)
        parts.append(tf.keras.layers.GlobalAveragePooling2D()(tensor))
    hidden = tf.keras.layers.Dense(128, activation="relu")(_joined(parts))
    return tf.keras.Model(inputs, head(hidden, outputs))


def conv(feature_shapes: Shapes, outputs: int) -> tf.keras.Model:
    """Width-2 convolutions over consecutive values of each vector, max-pooled, then the head."""
    inputs = _inputs(feature_shapes)
    sequences = [name for name, shape in feature_shapes.items() if len(shape) == 1 and shape[0] > 1 and name != NUMBERS]
    if not sequences:
        raise ValueError(f"trainer.model: conv needs a vector feature (a sequence of several values); the features "
                         f"are {_described(feature_shapes)}")
    parts = []
    for name, tensor in inputs.items():
        if name not in sequences:
            parts.append(tf.keras.layers.Flatten()(tensor))
            continue
        pairs = tf.keras.layers.Reshape((-1, 1))(tensor)
        pairs = tf.keras.layers.Conv1D(64, 2, activation="relu")(pairs)
        pairs = tf.keras.layers.Conv1D(32, 1, activation="relu")(pairs)
        parts.append(tf.keras.layers.GlobalMaxPooling1D()(pairs))
    return tf.keras.Model(inputs, head(_joined(parts), outputs))


def head(hidden: tf.Tensor, outputs: int) -> tf.Tensor:
    """The last layer: a softmax over `outputs` classes, or one linear output for a regression (1).

        return tf.keras.Model(inputs, head(hidden, outputs))   # ends a user's model function too
    """
    return tf.keras.layers.Dense(outputs, activation="softmax" if outputs > 1 else None)(hidden)


def _inputs(feature_shapes: Shapes) -> dict[str, tf.keras.Input]:
    return {name: tf.keras.Input(shape=shape, name=name) for name, shape in sorted(feature_shapes.items())}


def _joined(parts: list[tf.Tensor]) -> tf.Tensor:
    return parts[0] if len(parts) == 1 else tf.keras.layers.Concatenate()(parts)


def _described(feature_shapes: Shapes) -> str:
    return ", ".join(f"{name} {list(shape)}" for name, shape in sorted(feature_shapes.items()))
