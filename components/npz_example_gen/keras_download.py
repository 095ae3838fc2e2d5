"""MNIST through Keras' own `get_file`, for pipelines that leave `ingest.path` unset.

    path = keras_mnist()   # ~/.keras/datasets/mnist.npz, fetched once, checked against its hash
"""
from __future__ import annotations

import functools

import tensorflow as tf

from tfxflow.components.npz_example_gen.mnist_npz import NpzError

# The origin and hash keras.datasets.mnist.load_data() uses.
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


@functools.cache  # checked against its hash once per process
def keras_mnist(origin: str = ORIGIN) -> str:
    """The cached MNIST npz, downloaded first if needed; NpzError (one line) when that fails."""
    try:
        return tf.keras.utils.get_file("mnist.npz", origin=origin, file_hash=SHA256)
    except Exception as error:  # get_file wraps network errors in several types
        reason = " ".join(str(error).split())[:200]
        raise NpzError(
            f"ingest.path: not set, and MNIST could not be fetched from {origin} ({reason}); "
            "pass --set ingest.path=FILE (or set ingest.path in the pipeline file) with a local mnist.npz"
        ) from None
