"""AutoGraph leaves tf_keras's code unconverted (components/tf_keras_autograph.py), and still converts
a model's own `call`, whose Python `if` on a tensor only works as a converted tf.cond."""
import numpy as np
import tensorflow as tf
from tensorflow.python.autograph.core import config
from tensorflow.python.autograph.impl import conversion

from tfxflow.components.tf_keras_autograph import leave_tf_keras_unconverted


def test_tf_keras_is_left_unconverted_by_one_rule():
    leave_tf_keras_unconverted()
    leave_tf_keras_unconverted()
    assert conversion.is_allowlisted(tf.keras.layers.Dense.call)
    assert conversion.is_allowlisted(tf.keras.Model.train_step)
    assert sum(rule.matches("tf_keras") for rule in config.CONVERSION_RULES) == 1
    assert not conversion.is_allowlisted(Gated.call)  # a user's model is converted


class Gated(tf.keras.Model):
    """Doubles its output when the batch's mean is positive: a Python `if` on a tensor."""

    def __init__(self):
        super().__init__()
        self.dense = tf.keras.layers.Dense(2)

    def call(self, inputs):
        outputs = self.dense(inputs)
        if tf.reduce_mean(inputs) > 0:
            outputs = outputs * 2.0
        return outputs


def test_a_models_own_control_flow_still_trains():
    leave_tf_keras_unconverted()
    tf.keras.utils.set_random_seed(0)
    x = np.concatenate([np.ones((8, 3)), -np.ones((8, 3))]).astype("float32")
    model = Gated()
    model.compile(optimizer="sgd", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, np.array([0, 1] * 8), batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 2
    gate = tf.function(model.call)
    dense = model.dense(x[:8])
    np.testing.assert_allclose(gate(x[:8]), dense * 2.0, rtol=1e-6)
    np.testing.assert_allclose(gate(x[8:]), model.dense(x[8:]), rtol=1e-6)
