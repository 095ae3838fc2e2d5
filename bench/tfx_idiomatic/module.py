"""Baseline 2's module_file, in the style of TFX's own MNIST example (mnist_utils_native_keras)."""
import tensorflow as tf
import tensorflow_transform as tft
from tfx_bsl.public import tfxio

LABEL = "label"
EPOCHS, BATCH, TRAIN_EXAMPLES = 5, 32, 60000


def preprocessing_fn(inputs):
    return {"image_xf": tf.cast(inputs["image"], tf.float32) / 255.0, LABEL: inputs[LABEL]}


def _input_fn(files, data_accessor, tf_transform_output, batch_size):
    return data_accessor.tf_dataset_factory(
        files, tfxio.TensorFlowDatasetOptions(batch_size=batch_size, label_key=LABEL),
        tf_transform_output.transformed_metadata.schema,
    ).repeat()


def run_fn(fn_args):
    tf_transform_output = tft.TFTransformOutput(fn_args.transform_output)
    train = _input_fn(fn_args.train_files, fn_args.data_accessor, tf_transform_output, BATCH)
    evaluation = _input_fn(fn_args.eval_files, fn_args.data_accessor, tf_transform_output, BATCH)
    inputs = tf.keras.Input(shape=(784,), name="image_xf")
    hidden = tf.keras.layers.Dense(128, activation="relu")(inputs)
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(10, activation="softmax")(hidden))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"])
    model.fit(train, steps_per_epoch=TRAIN_EXAMPLES // BATCH, epochs=EPOCHS, validation_data=evaluation,
              validation_steps=fn_args.eval_steps, verbose=0,
              callbacks=[tf.keras.callbacks.TensorBoard(log_dir=fn_args.model_run_dir, update_freq="epoch")])
    model.tft_layer = tf_transform_output.transform_features_layer()

    @tf.function
    def serve(serialized):
        spec = tf_transform_output.raw_feature_spec()
        spec.pop(LABEL)
        return model(model.tft_layer(tf.io.parse_example(serialized, spec)))

    signatures = {"serving_default": serve.get_concrete_function(tf.TensorSpec([None], tf.string, name="examples"))}
    tf.saved_model.save(model, fn_args.serving_model_dir, signatures=signatures)
