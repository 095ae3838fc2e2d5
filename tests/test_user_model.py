"""A user's model function (`trainer.model: package.module:function`) as the Trainer builds it
(components/keras_training.py model_builder): called with the feature shapes and the class count,
and refused in one line when it does not return a softmax over those classes, or for a regression
one linear output."""
import sys

import pytest
import tensorflow as tf

from tfxflow.components.keras_training import model_builder
from tfxflow.components.label import Label

CLASSES = Label("y", "classification", ("a", "b", "c"))
FOUR = Label("y", "classification", ("a", "b", "c", "d"))
REGRESSION = Label("y", "regression")

MODULE = """
import tensorflow as tf

def build(feature_shapes, num_classes):
    inputs = {name: tf.keras.Input(shape=shape, name=name) for name, shape in feature_shapes.items()}
    return tf.keras.Model(inputs, tf.keras.layers.Dense(num_classes, activation="softmax")(inputs["x"]))

def too_few(feature_shapes, num_classes):
    return build(feature_shapes, num_classes - 1)

def not_a_model(feature_shapes, num_classes):
    return "a model"

def linear(feature_shapes, outputs):
    inputs = {name: tf.keras.Input(shape=shape, name=name) for name, shape in feature_shapes.items()}
    return tf.keras.Model(inputs, tf.keras.layers.Dense(outputs)(inputs["x"]))
"""


@pytest.fixture
def user_models(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    (tmp_path / "user_models.py").write_text(MODULE)


def test_built_in_names_are_the_kinds_architectures():
    def mlp(shapes):
        return shapes

    assert model_builder("mlp", {"mlp": mlp}, CLASSES) is mlp


@pytest.mark.parametrize("name, shapes", [("mlp", {"age": (1,), "plan": (4,)}), ("cnn", {"x": (32, 32, 3)}),
                                          ("cnn", {"x": (28, 28), "age": (1,)}), ("conv", {"x": (100,)})])
def test_the_registered_models_take_what_a_users_function_takes(name, shapes):
    model = model_builder(name, {}, FOUR)(shapes)
    assert model.output_shape == (None, 4) and model.layers[-1].activation.__name__ == "softmax"
    assert {name: tuple(tensor.shape[1:]) for name, tensor in model.input.items()} == shapes


def test_a_registered_model_that_needs_images_says_which_features_it_got():
    with pytest.raises(ValueError, match=r"^trainer.model: cnn needs an image feature .*; the features are age \[1\]$"):
        model_builder("cnn", {}, FOUR)({"age": (1,)})


def test_a_users_function_gets_the_feature_shapes_and_the_class_count(user_models):
    build = model_builder("user_models:build", {}, CLASSES)
    model = build({"x": tf.TensorShape([5])})
    assert model.output_shape == (None, 3) and model.input["x"].shape == (None, 5)


@pytest.mark.parametrize("function, returned", [("too_few", "Functional with outputs (None, 2)"),
                                                ("not_a_model", "str with outputs None")])
def test_a_function_that_returns_no_softmax_over_the_classes_is_refused_in_one_line(user_models, function,
                                                                                    returned):
    build = model_builder(f"user_models:{function}", {}, CLASSES)
    with pytest.raises(ValueError) as raised:
        build({"x": tf.TensorShape([5])})
    assert str(raised.value) == (
        f"trainer.model: user_models:{function} returned {returned}; expected a tf.keras.Model with a softmax over "
        "the 3 classes, shape (None, 3)"
    )


@pytest.mark.parametrize("name", ["mlp", "conv"])
def test_for_a_regression_the_registered_models_end_in_one_linear_output(name):
    model = model_builder(name, {}, REGRESSION)({"x": (100,)})
    assert model.output_shape == (None, 1) and model.layers[-1].activation.__name__ == "linear"


def test_a_users_regression_function_gets_one_output_and_a_softmax_is_refused(user_models):
    model = model_builder("user_models:linear", {}, REGRESSION)({"x": tf.TensorShape([5])})
    assert model.output_shape == (None, 1)
    with pytest.raises(ValueError) as raised:
        model_builder("user_models:build", {}, REGRESSION)({"x": tf.TensorShape([5])})
    assert str(raised.value) == ("trainer.model: user_models:build returned Functional with outputs (None, 1) (a "
                                 "softmax); expected a tf.keras.Model with one linear output, shape (None, 1)")
