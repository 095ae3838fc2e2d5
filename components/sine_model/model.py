"""Trainer's run_fn for the sine pipeline and the architecture `trainer.model` names.

    Trainer(..., run_fn="tfxflow.components.sine_model.model.run_fn",
            custom_config={"model": "mlp", "epochs": 40, "batch_size": 32, "learning_rate": 1e-3, ...})
"""
from __future__ import annotations

from typing import Any

import tensorflow as tf
from tfx.components.trainer.fn_args_utils import FnArgs

from tfxflow.components.keras_training import train_and_export
from tfxflow.components.sine_example_gen.points import FEATURE


def mlp(shapes: dict[str, Any]) -> tf.keras.Model:
    """The tutorial's model: Dense(10, relu) -> Dense(10, relu) -> Dense(1), trained with Adam on the MSE."""
    inputs = tf.keras.Input(shape=shapes[FEATURE], name=FEATURE)
    hidden = tf.keras.layers.Dense(10, activation="relu")(inputs)
    hidden = tf.keras.layers.Dense(10, activation="relu")(hidden)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(1)(hidden))


ARCHITECTURES = {"mlp": mlp}


def run_fn(fn_args: FnArgs) -> None:
    """Trains the architecture custom_config['model'] names (or a user's model function) and exports it."""
    train_and_export(fn_args, ARCHITECTURES)
