"""Transform's preprocessing_fn for MNIST.

    Transform(..., preprocessing_fn="tfxflow.components.mnist_model.preprocessing.preprocessing_fn",
              custom_config={"normalize": "fixed_range", "label": {"key": "label", ...}})

The default, `fixed_range`, divides by 255 as the tutorial does: the pixel range the schema
fixes, not the range one dataset happens to contain, and no analysis pass over 47M pixels.
In the Transform graph, serving scales exactly as training did.
"""
from __future__ import annotations

from typing import Any

import tensorflow as tf

from tfxflow.components.normalization import normalize
from tfxflow.components.npz_example_gen.mnist_npz import IMAGE


def preprocessing_fn(inputs: dict[str, tf.Tensor], custom_config: dict[str, Any]) -> dict[str, tf.Tensor]:
    """`image` as floats scaled by `normalize`; the label passes through."""
    label = custom_config["label"]["key"]  # label.key
    return {IMAGE: normalize(inputs[IMAGE], custom_config["normalize"], (0.0, 255.0)), label: inputs[label]}
