"""Transform's preprocessing_fn for the baker sequences.

    Transform(..., preprocessing_fn="tfxflow.components.baker_model.preprocessing.preprocessing_fn",
              custom_config={"normalize": "z_score", "label": {"key": "label", ...}})

Analyzers (mean/std, min/max) run once over the training split, and the same scaling becomes part
of the serving graph.
"""
from __future__ import annotations

from typing import Any

import tensorflow as tf

from tfxflow.components.baker_example_gen.sequences import FEATURE
from tfxflow.components.normalization import normalize


def preprocessing_fn(inputs: dict[str, tf.Tensor], custom_config: dict[str, Any]) -> dict[str, tf.Tensor]:
    """Scales all sequence values with one mean/std (or range); passes the label through."""
    label = custom_config["label"]["key"]  # label.key
    return {FEATURE: normalize(inputs[FEATURE], custom_config["normalize"], (0.0, 1.0)), label: inputs[label]}
