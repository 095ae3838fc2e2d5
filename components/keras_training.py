"""The part of every tfxflow `run_fn` that does not depend on the model: data in, SavedModel out.

    def run_fn(fn_args):
        train_and_export(fn_args, ARCHITECTURES, label=LABEL)   # a preset's architectures, or MODELS

Reads raw examples with tf.data and applies the Transform graph once into in-memory tensors (the
tutorial's cache) when a split fits in `trainer.memory_mb`, else streams it from the TFRecords every
epoch; then shuffles, batches and prefetches for Keras; fits the Keras model, and
exports it with a `serving_default` signature that takes serialized raw tf.Examples and applies
the Transform graph, so serving normalizes exactly as training did, and returns each class's
probability and the likeliest class's name; `transform_features` (for TFMA) and the features it reads in
`assets.extra/input_schema.pbtxt` go with it.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import tensorflow as tf
import tensorflow_transform as tft
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx.components.trainer.fn_args_utils import FnArgs
from tfx_bsl.public import tfxio

from tfxflow.components.feature_model.features import class_names, read_schema
from tfxflow.components.tf_keras_autograph import leave_tf_keras_unconverted
from tfxflow.components.training_plots import plot_learning_curve
from tfxflow.pipelines.progress import PROGRESS_LOGGER, epoch_line
from tfxflow.pipelines.registry import MODELS

# Rows read per batch from the TFRecords before tf.data re-batches for training.
_READ_BATCH = 1024
# Batches run per call into the TF graph. Same batches, same updates; it only removes per-step
# Python overhead, which dominates small models (MNIST's MLP: an epoch in 0.9 s instead of 1.9 s).
STEPS_PER_EXECUTION = 64
# Beside the TensorBoard logs, for the run's report: the metrics per epoch, and the exported model's
# predictions on the first eval examples with their raw features.
HISTORY_FILE = "history.json"
SAMPLES_FILE = "samples.json"
SAMPLES = 16
# The features the model reads (its schema without the label), beside the SavedModel where TF
# Serving ignores it: `tfxflow predict` builds examples of other inputs from it.
INPUT_SCHEMA = "assets.extra/input_schema.pbtxt"


def model_builder(
    name: str, architectures: dict[str, Callable[[dict[str, Any]], tf.keras.Model]], num_classes: int
) -> Callable[[dict[str, Any]], tf.keras.Model]:
    """What builds the model `name` from the transformed feature shapes: one of a preset kind's
    `architectures`, or a model function `(feature_shapes, num_classes) -> tf.keras.Model` registered
    in MODELS (the built-in mlp, cnn, conv) or named by a user's `package.module:function`."""
    if name in architectures:
        return architectures[name]
    build = MODELS.load(name)

    def checked_model(shapes: dict[str, Any]) -> tf.keras.Model:
        model = build({feature: tuple(shape) for feature, shape in shapes.items()}, num_classes)
        outputs = getattr(model, "output_shape", None)
        if not isinstance(model, tf.keras.Model) or not isinstance(outputs, tuple) or outputs[-1:] != (num_classes,):
            raise ValueError(
                f"trainer.model: {name} returned {type(model).__name__} with outputs {outputs}; expected a "
                f"tf.keras.Model whose output is a softmax over the {num_classes} classes, shape (None, {num_classes})"
            )
        return model

    return checked_model


def train_and_export(
    fn_args: FnArgs, architectures: dict[str, Callable[[dict[str, Any]], tf.keras.Model]], label: str
) -> tuple[tf.keras.Model, tf.data.Dataset]:
    """Fits the model `custom_config["model"]` names (see model_builder) on the train split,
    deterministically for the seed in `custom_config`, and exports it to `serving_model_dir`. The
    classes are the schema's (features.class_names): the serving signature returns their
    probabilities and the most probable one's name.

    Leaves TensorBoard logs and `learning_curve.png` in `model_run_dir`; returns the model and the
    (transformed, batched) eval dataset for any further plots.
    """
    leave_tf_keras_unconverted()  # 9 s less before MNIST's first batch, the same model
    config = fn_args.custom_config
    schema = read_schema(fn_args.schema_path)
    classes, _ = class_names(schema, label)
    build_model = model_builder(config["model"], architectures, len(classes))
    tf.keras.utils.set_random_seed(config["seed"])
    # The same examples, settings and seed train the same weights, whatever the machine's load
    # (without it, parallel reductions summed in another order differed by 2e-4 on a busy machine).
    tf.config.experimental.enable_op_determinism()
    transform_output = tft.TFTransformOutput(fn_args.transform_output)
    shapes = {
        name: spec.shape for name, spec in transform_output.transformed_feature_spec().items() if name != label
    }
    started = time.perf_counter()
    train, evaluation = (
        _dataset(fn_args, files, transform_output, label, config["batch_size"], shuffle, config["memory_mb"])
        for files, shuffle in ((fn_args.train_files, True), (fn_args.eval_files, False))
    )

    logging.info("Read and transformed both splits in %.1f s.", time.perf_counter() - started)
    model = build_model(shapes)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(config["learning_rate"]),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(),
        metrics=[tf.keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        steps_per_execution=STEPS_PER_EXECUTION,
    )
    started = time.perf_counter()
    history = model.fit(
        train,
        validation_data=evaluation,
        epochs=config["epochs"],
        callbacks=[tf.keras.callbacks.TensorBoard(log_dir=fn_args.model_run_dir), _EpochLog(config["epochs"])],
        verbose=0,
    )
    logging.info("Trained %d epochs in %.1f s.", config["epochs"], time.perf_counter() - started)
    started = time.perf_counter()
    signatures = {"serving_default": _serve_raw_examples(model, transform_output, label, classes),
                  "transform_features": _transform_examples(model, transform_output)}
    model.save(fn_args.serving_model_dir, save_format="tf", signatures=signatures)
    _write_input_schema(schema, label, f"{fn_args.serving_model_dir}/{INPUT_SCHEMA}")
    logging.info("Exported the serving model in %.1f s.", time.perf_counter() - started)
    run_dir = fn_args.model_run_dir  # a URI in a Kubeflow pod: written with tf.io.gfile
    plot_learning_curve(history.history, f"{run_dir}/learning_curve.png")
    _write_text(f"{run_dir}/{HISTORY_FILE}", json.dumps({key: [float(v) for v in values]
                                                         for key, values in history.history.items()}))
    write_samples(fn_args.eval_files, signatures["serving_default"], transform_output, label, classes,
                  f"{run_dir}/{SAMPLES_FILE}")
    return model, evaluation


class _EpochLog(tf.keras.callbacks.Callback):
    """Logs each finished epoch to the `tfxflow.progress` logger: a line, and the numbers as `epoch`."""

    def __init__(self, epochs: int):
        super().__init__()
        self.epochs, self.started = epochs, 0.0

    def on_epoch_begin(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        logs = logs or {}
        numbers = {"epoch": epoch + 1, "epochs": self.epochs, "seconds": round(time.perf_counter() - self.started, 2),
                   **{key: float(logs[key]) for key in ("loss", "accuracy", "val_loss", "val_accuracy") if key in logs}}
        logging.getLogger(PROGRESS_LOGGER).info(epoch_line(numbers), extra={"epoch": numbers})


def _dataset(
    fn_args: FnArgs,
    files: list[str],
    transform_output: tft.TFTransformOutput,
    label: str,
    batch_size: int,
    shuffle: bool,
    memory_mb: int,
) -> tf.data.Dataset:
    """The split's (transformed features, label) batches, held in memory if they fit in `memory_mb`,
    else streamed from the TFRecords every epoch (memory then does not grow with the data)."""
    dataset = fn_args.data_accessor.tf_dataset_factory(
        files,
        tfxio.TensorFlowDatasetOptions(batch_size=_READ_BATCH, num_epochs=1, shuffle=False),
        transform_output.raw_metadata.schema,
    )
    transform = transform_output.transform_features_layer()

    def features_and_label(raw: dict[str, tf.Tensor]) -> tuple[dict[str, tf.Tensor], tf.Tensor]:
        features = transform(raw)
        return features, features.pop(label)

    transformed = dataset.map(features_and_label, num_parallel_calls=tf.data.AUTOTUNE)
    held = _held(transformed, memory_mb << 20)
    if held is None:
        rows = _count_records(files)
        logging.info("Streaming %d examples from %s every epoch: more than trainer.memory_mb=%d MB.",
                     rows, files[0], memory_mb)
        rows_dataset = transformed.unbatch()
    else:
        # The tutorial's cache() step, done up front: training from tensors is faster than from a
        # cache of parsed records.
        rows, rows_dataset = int(held[1].shape[0]), tf.data.Dataset.from_tensor_slices(held)
    if shuffle:
        rows_dataset = rows_dataset.shuffle(10_000, reshuffle_each_iteration=True)
    # Keras runs several steps per call only when it knows the number of batches.
    batches = rows_dataset.batch(batch_size).apply(tf.data.experimental.assert_cardinality(-(-rows // batch_size)))
    return batches.prefetch(tf.data.AUTOTUNE)


def _held(transformed: tf.data.Dataset, budget: int) -> tuple[dict[str, tf.Tensor], tf.Tensor] | None:
    """The whole split as tensors, or None as soon as its batches take more than `budget` bytes
    (concatenating them briefly takes as much again)."""
    batches, size = [], 0
    for features, labels in transformed:
        size += sum(tensor.shape.num_elements() * tensor.dtype.size for tensor in (labels, *features.values()))
        if size > budget:
            return None
        batches.append((features, labels))
    features = {name: tf.concat([batch[name] for batch, _ in batches], axis=0) for name in batches[0][0]}
    return features, tf.concat([batch_labels for _, batch_labels in batches], axis=0)


def _count_records(patterns: list[str]) -> int:
    """The records in an ExampleGen's split: its files read through once, nothing parsed."""
    files = sorted(name for pattern in patterns for name in tf.io.gfile.glob(pattern))
    compression = "GZIP" if files and files[0].endswith(".gz") else ""
    records = tf.data.TFRecordDataset(files, compression_type=compression, num_parallel_reads=tf.data.AUTOTUNE)
    return int(records.reduce(tf.constant(0, tf.int64), lambda count, _: count + 1))


def write_samples(eval_files: list[str], serve: Any, transform_output: tft.TFTransformOutput, label: str,
                  classes: tuple[str, ...], path: str) -> None:
    """The exported signature's predictions on the first SAMPLES eval examples, with each one's true class
    and a short form of its raw features, as JSON."""
    files = sorted(name for pattern in eval_files for name in tf.io.gfile.glob(pattern))
    serialized = tf.stack(list(tf.data.TFRecordDataset(files, compression_type="GZIP").take(SAMPLES)))
    raw = tf.io.parse_example(serialized, transform_output.raw_feature_spec())
    outputs = serve(serialized)
    samples = []
    for i, (probabilities, predicted) in enumerate(zip(outputs["probabilities"].numpy(), outputs["class"].numpy(),
                                                       strict=True)):
        true = _values(raw[label], i)
        samples.append({"true": str(true[0]) if true else "", "predicted": predicted.decode(),
                        "probability": round(float(probabilities.max()), 4),
                        "features": {name: _short(_values(value, i)) for name, value in raw.items() if name != label}})
    for sample in samples:  # integer labels are class ids; string labels are their names already
        if sample["true"].lstrip("-").isdigit() and int(sample["true"]) < len(classes):
            sample["true"] = classes[int(sample["true"])]
    _write_text(path, json.dumps(samples))


def _write_text(path: str, text: str) -> None:
    with tf.io.gfile.GFile(path, "w") as stream:
        stream.write(text)


def _values(tensor: Any, row: int) -> list[Any]:
    """One example's values of a parsed feature (none where a VarLen feature is missing)."""
    if isinstance(tensor, tf.SparseTensor):
        values = tf.boolean_mask(tensor.values, tensor.indices[:, 0] == row).numpy().tolist()
    else:
        values = tensor[row].numpy().ravel().tolist()
    return [value.decode("utf-8", "replace") if isinstance(value, bytes) else value for value in values]


def _short(values: list[Any]) -> str:
    """A feature's values as a person reads them: all of a few, the first 4 of many, or "missing"."""
    if not values:
        return "missing"
    shown = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in values[:4]]
    return ", ".join(shown) + (f", ... ({len(values)} values)" if len(values) > 4 else "")


def _write_input_schema(schema: schema_pb2.Schema, label: str, path: str) -> None:
    inputs = schema_pb2.Schema()
    inputs.CopyFrom(schema)
    del inputs.feature[:]
    inputs.feature.extend(feature for feature in schema.feature if feature.name != label)
    tf.io.gfile.makedirs(path.rpartition("/")[0])
    with tf.io.gfile.GFile(path, "w") as stream:
        stream.write(text_format.MessageToString(inputs))


def _serve_raw_examples(
    model: tf.keras.Model, transform_output: tft.TFTransformOutput, label: str, classes: tuple[str, ...]
) -> Any:
    """Serialized raw tf.Examples (no label) -> `probabilities` per class and `class`, the likeliest's name."""
    model.tft_layer = transform_output.transform_features_layer()  # tracked, so it is saved with the model
    raw_spec = {name: spec for name, spec in transform_output.raw_feature_spec().items() if name != label}
    names = tf.constant(classes)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve(serialized: tf.Tensor) -> dict[str, tf.Tensor]:
        probabilities = model(model.tft_layer(tf.io.parse_example(serialized, raw_spec)))
        return {"probabilities": probabilities, "class": tf.gather(names, tf.argmax(probabilities, axis=1))}

    return serve.get_concrete_function()


def _transform_examples(model: tf.keras.Model, transform_output: tft.TFTransformOutput) -> Any:
    """Serialized raw tf.Examples -> the transformed features and label, as TFMA's preprocessing
    function (a string label becomes the class id the model's probabilities are indexed by)."""
    model.tft_layer_eval = transform_output.transform_features_layer()
    raw_spec = transform_output.raw_feature_spec()

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def transform(serialized: tf.Tensor) -> dict[str, tf.Tensor]:
        return model.tft_layer_eval(tf.io.parse_example(serialized, raw_spec))

    return transform.get_concrete_function()
