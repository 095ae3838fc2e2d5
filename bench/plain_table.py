"""Baseline for a table: a plain Keras script on a CSV of numeric columns and a 0/1 `label` (no TFX, no
checks), printing a JSON result. It trains what tfxflow's built-in mlp trains: one in five rows held out,
each column z-scored by the training rows' mean and deviation, Dense(64, relu) -> Dense(32, relu) ->
softmax, Adam, 5 epochs of batches of 32, with tfxflow's AutoGraph rule.

    python bench/plain_table.py wide.csv
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfxflow.components.tf_keras_autograph import leave_tf_keras_unconverted  # noqa: E402

leave_tf_keras_unconverted()  # what the Trainer's fix gives this script
table = pd.read_csv(sys.argv[1])
labels = table.pop("label").to_numpy()
values = table.to_numpy("float32")
held_out = np.arange(len(table)) % 5 == 0
mean, deviation = values[~held_out].mean(axis=0), values[~held_out].std(axis=0)
values = (values - mean) / deviation
model = tf.keras.models.Sequential([
    tf.keras.layers.Dense(64, activation="relu", input_shape=(values.shape[1],)),
    tf.keras.layers.Dense(32, activation="relu"),
    tf.keras.layers.Dense(2, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
started = time.perf_counter()
model.fit(values[~held_out], labels[~held_out], epochs=5, batch_size=32, verbose=0)
_, accuracy = model.evaluate(values[held_out], labels[held_out], verbose=0)
print(json.dumps({"accuracy": round(float(accuracy), 4), "fit_seconds": round(time.perf_counter() - started, 1)}))
