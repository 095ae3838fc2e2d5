"""The normalizations `transform.normalize` names, shared by every preprocessing_fn.

    scaled = normalize(inputs["image"], "fixed_range", value_range=(0, 255))
"""
from __future__ import annotations

import tensorflow as tf
import tensorflow_transform as tft


def normalize(values: tf.Tensor, method: str, value_range: tuple[float, float]) -> tf.Tensor:
    """`fixed_range` maps the schema's `value_range` to [0, 1] (no analysis pass); `min_max` maps the
    training data's range to [0, 1]; `z_score` subtracts the training mean and divides by its std."""
    if method == "fixed_range":
        low, high = value_range
        return (tf.cast(values, tf.float32) - low) / (high - low)
    if method == "min_max":
        return tft.scale_to_0_1(values)
    if method == "z_score":
        return tft.scale_to_z_score(values)
    raise ValueError(f"unknown normalization {method!r}")
