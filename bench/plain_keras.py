"""Baseline 1: the tutorial's plain Keras script on the same npz (no TFX), printing a JSON result.

    python bench/plain_keras.py ../shared/data/mnist.npz
    python bench/plain_keras.py ../shared/data/mnist.npz --tf-keras-rule   # with tfxflow's AutoGraph rule
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

if "--tf-keras-rule" in sys.argv[2:]:  # what the Trainer's fix (components/tf_keras_autograph.py) gives this script
    from tfxflow.components.tf_keras_autograph import leave_tf_keras_unconverted

    leave_tf_keras_unconverted()

with np.load(sys.argv[1], allow_pickle=False) as mnist:
    x_train, y_train, x_test, y_test = (mnist[k] for k in ("x_train", "y_train", "x_test", "y_test"))
x_train, x_test = x_train / 255.0, x_test / 255.0

model = tf.keras.models.Sequential(
    [
        tf.keras.layers.Flatten(input_shape=(28, 28)),
        tf.keras.layers.Dense(128, activation="relu"),
        tf.keras.layers.Dense(10, activation="softmax"),
    ]
)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
started = time.perf_counter()
model.fit(x_train, y_train, epochs=5, batch_size=32, verbose=0)
_, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(json.dumps({"accuracy": round(float(accuracy), 4), "fit_seconds": round(time.perf_counter() - started, 1)}))
