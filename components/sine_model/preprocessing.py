"""Transform's preprocessing_fn for the sine points.

    Transform(..., preprocessing_fn="tfxflow.components.sine_model.preprocessing.preprocessing_fn",
              custom_config={"normalize": "z_score", "label": {"key": "y", ...}})

x is scaled by `normalize` (its range for fixed_range: [0, 2π)) inside the graph serving uses; y, the
value to predict, passes through in its own units.
"""
from __future__ import annotations

import math
from typing import Any

import tensorflow as tf

from tfxflow.components.normalization import normalize
from tfxflow.components.sine_example_gen.points import FEATURE


def preprocessing_fn(inputs: dict[str, tf.Tensor], custom_config: dict[str, Any]) -> dict[str, tf.Tensor]:
    """`x` scaled; the label as float32."""
    label = custom_config["label"]["key"]
    return {FEATURE: normalize(inputs[FEATURE], custom_config["normalize"], (0.0, 2 * math.pi)),
            label: tf.cast(inputs[label], tf.float32)}
