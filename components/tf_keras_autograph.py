"""AutoGraph leaves tf_keras's own code alone, as it leaves the `keras` package's.

    leave_tf_keras_unconverted()   # before Keras traces a model: the Trainer's fit, TFMA's model

TF 2.16's AutoGraph never converts the packages listed in tensorflow/python/autograph/core/config.py,
`keras` among them, but not `tf_keras`, the Keras 2 that TFX 1.16 runs on (TF_USE_LEGACY_KERAS=1).
So the ~500 tf_keras functions a training step calls are transpiled from source before its first
batch: 9 s of MNIST's 15 s fit, 1.5 s of its Evaluator. Newer TensorFlow lists tf_keras beside keras
in that file; this adds that rule. A model's own `call` is still converted, as it is in TensorFlow:
tf_keras calls it from converted code.
"""
from __future__ import annotations

from tensorflow.python.autograph.core import config


def leave_tf_keras_unconverted() -> None:
    """Adds AutoGraph's DoNotConvert rule for tf_keras, once per process."""
    if not any(rule.matches("tf_keras") for rule in config.CONVERSION_RULES):
        config.CONVERSION_RULES = (*config.CONVERSION_RULES, config.DoNotConvert("tf_keras"))
