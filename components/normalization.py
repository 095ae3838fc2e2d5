"""The normalizations `transform.normalize` names, shared by every preprocessing_fn.

    scaled = normalize(inputs["image"], "fixed_range", value_range=(0, 255))
    columns = normalize(table, "z_score", ((0, 0), (1, 1)), elementwise=True)   # (batch, 2): each column its own
"""
from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf
import tensorflow_transform as tft

Bound = float | Sequence[float]


def normalize(values: tf.Tensor, method: str, value_range: tuple[Bound, Bound] | None,
              elementwise: bool = False) -> tf.Tensor:
    """`fixed_range` maps the schema's `value_range` to [0, 1] (no analysis pass); `min_max` maps the
    training data's range to [0, 1]; `z_score` subtracts the training mean and divides by its std.
    float32 out, whatever comes in. `elementwise`: each column of a (batch, N) tensor is analyzed on its
    own (one TFT analyzer for all N: per column, the same values as N analyzers), and a fixed_range's
    bounds are N lows and N highs.

    The analyzers sum in float64: Beam may split the training split into bundles differently from
    run to run (it did on a busy machine), and float32 partial sums combined in another grouping
    differ in their last bits (2.4e-7 after scaling; 4e-4 in the trained model). In float64 the
    difference is far below what the float32 result can show.
    """
    if method == "fixed_range":
        low, high = (tf.constant(bound, tf.float32) for bound in value_range)
        return (tf.cast(values, tf.float32) - low) / (high - low)
    if method == "min_max":
        return tf.cast(tft.scale_to_0_1(tf.cast(values, tf.float64), elementwise=elementwise), tf.float32)
    if method == "z_score":
        return tf.cast(tft.scale_to_z_score(tf.cast(values, tf.float64), elementwise=elementwise), tf.float32)
    raise ValueError(f"unknown normalization {method!r}")
