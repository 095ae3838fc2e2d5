"""Trainer's run_fn for the baker pipeline and the architectures `trainer.model` chooses from.

    Trainer(..., run_fn="tfxflow.components.baker_model.model.run_fn",
            custom_config={"model": "conv", "epochs": 5, "batch_size": 32, "learning_rate": 1e-3})
"""
from __future__ import annotations

from typing import Any

import tensorflow as tf
from tfx.components.trainer.fn_args_utils import FnArgs

from tfxflow.components.baker_example_gen.sequences import FEATURE
from tfxflow.components.keras_training import train_and_export


def mlp(shapes: dict[str, Any]) -> tf.keras.Model:
    """The tutorial's model: Dense(100) -> Dense(32, relu) -> Dense(2, softmax); about 0.82 accurate."""
    inputs = tf.keras.Input(shape=shapes[FEATURE], name=FEATURE)
    hidden = tf.keras.layers.Dense(100)(inputs)
    hidden = tf.keras.layers.Dense(32, activation="relu")(hidden)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(2, activation="softmax")(hidden))


def conv(shapes: dict[str, Any]) -> tf.keras.Model:
    """Scores each consecutive pair (x_i, x_{i+1}) with a width-2 convolution, where the map lives.

    Max pooling keeps the pair that least fits the map: one such pair marks a random sequence.
    """
    inputs = tf.keras.Input(shape=shapes[FEATURE], name=FEATURE)
    pairs = tf.keras.layers.Reshape((-1, 1))(inputs)
    pairs = tf.keras.layers.Conv1D(64, 2, activation="relu")(pairs)
    pairs = tf.keras.layers.Conv1D(32, 1, activation="relu")(pairs)
    pooled = tf.keras.layers.GlobalMaxPooling1D()(pairs)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(2, activation="softmax")(pooled))


ARCHITECTURES = {"mlp": mlp, "conv": conv}


def run_fn(fn_args: FnArgs) -> None:
    """Trains the architecture custom_config['model'] names (or a user's model function) and exports it."""
    train_and_export(fn_args, ARCHITECTURES)
