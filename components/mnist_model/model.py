"""Trainer's run_fn for MNIST and the architectures `trainer.model` chooses from.

    Trainer(..., run_fn="tfxflow.components.mnist_model.model.run_fn",
            custom_config={"model": "mlp", "epochs": 5, "batch_size": 32, "learning_rate": 1e-3, "seed": 0,
                           "memory_mb": 512})

Both models end in a softmax, so serving and TFMA see class probabilities.
"""
from __future__ import annotations

from typing import Any

import tensorflow as tf
from tfx.components.trainer.fn_args_utils import FnArgs

from tfxflow.components.keras_training import train_and_export
from tfxflow.components.npz_example_gen.mnist_npz import IMAGE
from tfxflow.components.training_plots import plot_sample_predictions


def mlp(shapes: dict[str, Any]) -> tf.keras.Model:
    """The tutorial's model: Dense(128, relu) -> Dropout(0.2) -> Dense(10) (-> softmax); ~0.975."""
    inputs = tf.keras.Input(shape=shapes[IMAGE], name=IMAGE)
    hidden = tf.keras.layers.Dense(128, activation="relu")(inputs)
    hidden = tf.keras.layers.Dropout(0.2)(hidden)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(10, activation="softmax")(hidden))


def cnn(shapes: dict[str, Any]) -> tf.keras.Model:
    """Two convolution blocks and a dense head; >= 0.99 on MNIST."""
    inputs = tf.keras.Input(shape=shapes[IMAGE], name=IMAGE)
    images = tf.keras.layers.Reshape((28, 28, 1))(inputs)
    images = tf.keras.layers.Conv2D(32, 3, activation="relu")(images)
    images = tf.keras.layers.MaxPooling2D()(images)
    images = tf.keras.layers.Conv2D(64, 3, activation="relu")(images)
    images = tf.keras.layers.MaxPooling2D()(images)
    hidden = tf.keras.layers.Dropout(0.25)(tf.keras.layers.Flatten()(images))
    hidden = tf.keras.layers.Dense(128, activation="relu")(hidden)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(10, activation="softmax")(hidden))


ARCHITECTURES = {"mlp": mlp, "cnn": cnn}
SAMPLES = 32  # eval images in sample_predictions.png


def run_fn(fn_args: FnArgs) -> None:
    """Trains the architecture custom_config['model'] names (or a user's model function), exports it, and
    plots 32 eval predictions."""
    model, evaluation = train_and_export(fn_args, ARCHITECTURES)
    features, labels = next(iter(evaluation.unbatch().batch(SAMPLES)))
    predicted = model.predict(features, verbose=0).argmax(axis=1)
    images = features[IMAGE].numpy().reshape(-1, 28, 28)
    path = f"{fn_args.model_run_dir}/sample_predictions.png"
    plot_sample_predictions(images, predicted, labels.numpy().ravel(), path)
