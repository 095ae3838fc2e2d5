"""Transform's preprocessing_fn for the baker sequences.

    Transform(..., preprocessing_fn="components.baker_model.preprocessing.preprocessing_fn",
              custom_config={"normalize": "z_score"})

The statistics are computed once over the training split, and the same scaling becomes part of
the serving graph.
"""
from __future__ import annotations

from typing import Any

import tensorflow as tf
import tensorflow_transform as tft

from components.baker_example_gen.sequences import FEATURE, LABEL

NORMALIZERS = {"z_score": tft.scale_to_z_score, "min_max": tft.scale_to_0_1}


def preprocessing_fn(inputs: dict[str, tf.Tensor], custom_config: dict[str, Any]) -> dict[str, tf.Tensor]:
    """Scales all sequence values with one mean/std (or min/max); passes the label through."""
    return {FEATURE: NORMALIZERS[custom_config["normalize"]](inputs[FEATURE]), LABEL: inputs[LABEL]}
