"""A split held in memory by the Trainer (components/keras_training.py): integers in the narrowest type
their values fit, losslessly, and the budget counted in what is held."""
import numpy as np
import pytest
import tensorflow as tf

from tfxflow.components.keras_training import _held


def batches(*columns: dict) -> tf.data.Dataset:
    """A dataset of the given batches (each a dict of arrays), as tf.data reads them."""
    return tf.data.Dataset.from_generator(
        lambda: iter(columns),
        output_signature={name: tf.TensorSpec((None, *np.shape(value)[1:]), tf.as_dtype(np.asarray(value).dtype))
                          for name, value in columns[0].items()})


def test_pixels_are_held_in_one_byte_each_and_read_back_exactly():
    pixels = np.random.default_rng(0).integers(0, 256, size=(64, 784), dtype=np.int64)
    halves = ({"image": pixels[:32], "label": np.arange(32)}, {"image": pixels[32:], "label": np.arange(32)})
    held = _held(batches(*halves), budget=64 * 784 + 64)  # bytes: one per pixel and label; as int64, 8x that
    assert held["image"].dtype == tf.uint8 and held["label"].dtype == tf.uint8
    np.testing.assert_array_equal(held["image"].numpy(), pixels)


@pytest.mark.parametrize("values, dtype", [
    ([[0], [255]], tf.uint8), ([[-1], [3]], tf.int16), ([[0], [40_000]], tf.int32), ([[0], [2**40]], tf.int64),
])
def test_each_integer_feature_takes_the_narrowest_type_that_holds_all_its_batches(values, dtype):
    """A later batch that needs a wider type widens the whole feature."""
    held = _held(batches({"x": np.array([[1], [2]])}, {"x": np.array(values)}), budget=1 << 20)
    assert held["x"].dtype == dtype
    np.testing.assert_array_equal(held["x"].numpy().astype(np.int64).ravel(), [1, 2, *np.ravel(values)])


def test_floats_and_strings_are_held_as_read():
    held = _held(batches({"f": np.array([[0.5]], np.float32), "s": np.array([[b"a"]])}), budget=1 << 20)
    assert held["f"].dtype == tf.float32 and held["s"].dtype == tf.string


def test_a_split_over_the_budget_is_not_held():
    pixels = np.zeros((64, 784), dtype=np.int64)
    assert _held(batches({"image": pixels}), budget=64 * 784 - 1) is None
