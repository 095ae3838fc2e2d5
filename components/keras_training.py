"""The part of every tfxflow `run_fn` that does not depend on the model: data in, SavedModel out.

    def run_fn(fn_args):
        train_and_export(fn_args, ARCHITECTURES)   # a preset's architectures, or MODELS

`custom_config` holds the label (components/label.py: its key, task and classes), the model's name and
the training settings.

Reads raw examples with tf.data into in-memory tensors (the tutorial's cache) when a split fits in
`trainer.memory_mb`, integers narrowed to the type their values need, else streams it from the
TFRecords every epoch; then shuffles, batches, applies the Transform graph and prefetches for Keras;
fits the Keras model, and
exports it with a `serving_default` signature that takes serialized raw tf.Examples and applies
the Transform graph, so serving normalizes exactly as training did, and returns each class's
probability and the likeliest class's name (`probabilities`, `class`), or a regression's `value`;
`transform_features` (for TFMA), the features it reads in `assets.extra/input_schema.pbtxt` and what
it predicts in `assets.extra/model_info.json` go with it.
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

from tfxflow.components.epoch_progress import PROGRESS_LOGGER, epoch_line
from tfxflow.components.schema_text import read_schema
from tfxflow.components.label import Label
from tfxflow.components.registry import MODELS
from tfxflow.components.tf_keras_autograph import leave_tf_keras_unconverted
from tfxflow.components.training_plots import plot_learning_curve

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
# The features the model reads (its schema without the label), and what it predicts (the label and the
# ingest kind its inputs come from), beside the SavedModel where TF Serving ignores them: `tfxflow
# predict` builds examples of other inputs from them.
INPUT_SCHEMA = "assets.extra/input_schema.pbtxt"
MODEL_INFO = "assets.extra/model_info.json"
# A regression's eval predictions kept for the report's predicted-versus-true plot.
EVAL_PREDICTIONS_FILE = "eval_predictions.json"
EVAL_PREDICTIONS = 1000


def model_builder(
    name: str, architectures: dict[str, Callable[[dict[str, Any]], tf.keras.Model]], label: Label
) -> Callable[[dict[str, Any]], tf.keras.Model]:
    """What builds the model `name` from the transformed feature shapes: one of a preset kind's
    `architectures`, or a model function `(feature_shapes, outputs) -> tf.keras.Model` registered in
    MODELS (the built-in mlp, cnn, conv) or named by a user's `package.module:function`, where `outputs`
    is the number of classes (a softmax over them) or 1 for a regression (one linear output)."""
    if name in architectures:
        return architectures[name]
    build = MODELS.load(name)
    expected = ("one linear output, shape (None, 1)" if label.task == "regression" else
                f"a softmax over the {label.outputs} classes, shape (None, {label.outputs})")

    def checked_model(shapes: dict[str, Any]) -> tf.keras.Model:
        model = build({feature: tuple(shape) for feature, shape in shapes.items()}, label.outputs)
        outputs = getattr(model, "output_shape", None)
        last = getattr(model, "layers", [None])[-1]
        softmax = label.task == "regression" and getattr(getattr(last, "activation", None), "__name__", "") == "softmax"
        if (not isinstance(model, tf.keras.Model) or not isinstance(outputs, tuple)
                or outputs[-1:] != (label.outputs,) or softmax):
            raise ValueError(f"trainer.model: {name} returned {type(model).__name__} with outputs {outputs}"
                             f"{' (a softmax)' if softmax else ''}; expected a tf.keras.Model with {expected}")
        return model

    return checked_model


def train_and_export(
    fn_args: FnArgs, architectures: dict[str, Callable[[dict[str, Any]], tf.keras.Model]]
) -> tuple[tf.keras.Model, tf.data.Dataset]:
    """Fits the model `custom_config["model"]` names (see model_builder) on the train split,
    deterministically for the seed in `custom_config`, and exports it to `serving_model_dir`. The
    label is `custom_config["label"]` (components/label.py): a classification's serving signature
    returns the probabilities of its classes and the most probable one's name, a regression's the value.

    Leaves TensorBoard logs and `learning_curve.png` in `model_run_dir`; returns the model and the
    (transformed, batched) eval dataset for any further plots.
    """
    leave_tf_keras_unconverted()  # 9 s less before MNIST's first batch, the same model
    config = fn_args.custom_config
    schema = read_schema(fn_args.schema_path)
    target = Label.from_config(config["label"])
    label = target.key
    build_model = model_builder(config["model"], architectures, target)
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

    logging.info("Read both splits in %.1f s.", time.perf_counter() - started)
    model = build_model(shapes)
    regression = target.task == "regression"
    model.compile(
        optimizer=tf.keras.optimizers.Adam(config["learning_rate"]),
        loss=tf.keras.losses.MeanSquaredError() if regression else tf.keras.losses.SparseCategoricalCrossentropy(),
        metrics=[tf.keras.metrics.MeanAbsoluteError(name="mean_absolute_error") if regression else
                 tf.keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
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
    signatures = {"serving_default": _serve_raw_examples(model, transform_output, target),
                  "transform_features": _transform_examples(model, transform_output)}
    model.save(fn_args.serving_model_dir, save_format="tf", signatures=signatures)
    _write_input_schema(schema, label, f"{fn_args.serving_model_dir}/{INPUT_SCHEMA}")
    _write_text(f"{fn_args.serving_model_dir}/{MODEL_INFO}",
                json.dumps({"label": target.to_config(), "kind": config.get("kind", "")}, sort_keys=True))
    logging.info("Exported the serving model in %.1f s.", time.perf_counter() - started)
    run_dir = fn_args.model_run_dir  # a URI in a Kubeflow pod: written with tf.io.gfile
    plot_learning_curve(history.history, f"{run_dir}/learning_curve.png")
    _write_text(f"{run_dir}/{HISTORY_FILE}", json.dumps({key: [float(v) for v in values]
                                                         for key, values in history.history.items()}))
    write_samples(fn_args.eval_files, signatures["serving_default"], transform_output, target, run_dir)
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
                   **{key: float(value) for key, value in logs.items()}}
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
    else streamed from the TFRecords every epoch (memory then does not grow with the data).

    Dense raw features are held as read, each integer feature in the narrowest type its values fit
    (MNIST's pixels in 1 byte each, not as 8-byte integers or 4-byte transformed floats), and the
    Transform graph, which works row by row, is applied to each batch: the same values in the same
    batches as transforming first, so 10x MNIST (470 MB of pixels) is held instead of streamed.
    Otherwise (sparse or ragged features, or raw features that save under half the memory) the
    transformed features are held.
    """
    raw = fn_args.data_accessor.tf_dataset_factory(
        files,
        tfxio.TensorFlowDatasetOptions(batch_size=_READ_BATCH, num_epochs=1, shuffle=False),
        transform_output.raw_metadata.schema,
    )
    transform = transform_output.transform_features_layer()

    def features_and_label(raw_batch: dict[str, tf.Tensor]) -> tuple[dict[str, tf.Tensor], tf.Tensor]:
        features = transform(raw_batch)
        return features, features.pop(label)

    transformed = raw.map(features_and_label, num_parallel_calls=tf.data.AUTOTUNE)
    dense = all(isinstance(spec, tf.TensorSpec) for spec in raw.element_spec.values())
    kept = raw if dense else transformed
    held = _held(kept, memory_mb << 20)
    if dense and held is not None and 2 * _size(held) > _rows(held) * _row_size(transformed.element_spec):
        # The raw features save under half the memory (1,000 float columns save none): hold the transformed
        # ones, a few tensors, not a tensor per raw feature for every batch to slice and transform.
        dense, kept = False, transformed
        held = _held(kept, memory_mb << 20)
    if held is None:
        rows = _count_records(files)
        logging.info("Streaming %d examples from %s every epoch: more than trainer.memory_mb=%d MB.",
                     rows, files[0], memory_mb)
        rows_dataset = transformed.unbatch()
    else:
        # The tutorial's cache() step, done up front: training from tensors is faster than from a
        # cache of parsed records.
        rows = _rows(held)
        rows_dataset = tf.data.Dataset.from_tensor_slices(held)
    if shuffle:
        rows_dataset = rows_dataset.shuffle(10_000, reshuffle_each_iteration=True)
    # Keras runs several steps per call only when it knows the number of batches.
    batches = rows_dataset.batch(batch_size).apply(tf.data.experimental.assert_cardinality(-(-rows // batch_size)))
    if held is not None:
        def widened(*batch: Any) -> Any:
            """Each held tensor in the type it was read as; raw features then transformed."""
            element = batch[0] if dense else batch
            restored = tf.nest.map_structure(lambda tensor, spec: tf.cast(tensor, spec.dtype), element,
                                             kept.element_spec)
            return features_and_label(restored) if dense else restored

        batches = batches.map(widened, num_parallel_calls=tf.data.AUTOTUNE)
    return batches.prefetch(tf.data.AUTOTUNE)


# Integer types a held feature may be narrowed to, narrowest first; each holds every value of the ones before.
_NARROWER = (tf.uint8, tf.int16, tf.int32, tf.int64)


def _held(batches: tf.data.Dataset, budget: int) -> Any:
    """The whole split as tensors (each integer tensor in the narrowest of _NARROWER that holds its
    values), or None as soon as they take more than `budget` bytes (concatenating them briefly takes
    as much again)."""
    held, size = [], 0
    for batch in batches:
        tensors = [_narrowest(tensor) for tensor in tf.nest.flatten(batch)]
        size += _size(tensors)
        if size > budget:
            return None
        held.append(tensors)
    columns = []
    for parts in zip(*held):
        common = max((_NARROWER.index(part.dtype) for part in parts if part.dtype in _NARROWER), default=None)
        columns.append(tf.concat([part if common is None else tf.cast(part, _NARROWER[common]) for part in parts], 0))
    return tf.nest.pack_sequence_as(batches.element_spec, columns)


def _rows(held: Any) -> int:
    return int(tf.nest.flatten(held)[0].shape[0])


def _size(held: Any) -> int:
    return sum(tensor.shape.num_elements() * tensor.dtype.size for tensor in tf.nest.flatten(held))


def _row_size(element_spec: Any) -> int:
    """Bytes per row of a batched dataset of dense tensors."""
    return sum(spec.shape[1:].num_elements() * spec.dtype.size for spec in tf.nest.flatten(element_spec))


def _narrowest(tensor: tf.Tensor) -> tf.Tensor:
    if tensor.dtype not in (tf.int32, tf.int64) or tensor.shape.num_elements() == 0:
        return tensor
    low, high = int(tf.reduce_min(tensor)), int(tf.reduce_max(tensor))
    fits = next(dtype for dtype in _NARROWER if dtype.min <= low and high <= dtype.max)
    return tf.cast(tensor, fits)


def _count_records(patterns: list[str]) -> int:
    """The records in an ExampleGen's split: its files read through once, nothing parsed."""
    files = sorted(name for pattern in patterns for name in tf.io.gfile.glob(pattern))
    compression = "GZIP" if files and files[0].endswith(".gz") else ""
    records = tf.data.TFRecordDataset(files, compression_type=compression, num_parallel_reads=tf.data.AUTOTUNE)
    return int(records.reduce(tf.constant(0, tf.int64), lambda count, _: count + 1))


def write_samples(eval_files: list[str], serve: Any, transform_output: tft.TFTransformOutput, label: Label,
                  run_dir: str) -> None:
    """The exported signature's predictions on the first SAMPLES eval examples, with each one's true class
    (or value) and a short form of its raw features, as JSON in SAMPLES_FILE; for a regression also the
    true and predicted values of the first EVAL_PREDICTIONS eval examples (EVAL_PREDICTIONS_FILE)."""
    files = sorted(name for pattern in eval_files for name in tf.io.gfile.glob(pattern))
    records = tf.data.TFRecordDataset(files, compression_type="GZIP")
    regression = label.task == "regression"
    serialized = tf.stack(list(records.take(EVAL_PREDICTIONS if regression else SAMPLES)))
    raw = tf.io.parse_example(serialized, transform_output.raw_feature_spec())
    outputs = serve(serialized)
    samples = []
    for i in range(min(SAMPLES, int(serialized.shape[0]))):
        true = _values(raw[label.key], i)
        features = {name: _short(_values(value, i)) for name, value in raw.items() if name != label.key}
        if regression:
            samples.append({"true": float(true[0]) if true else None,
                            "predicted": round(float(outputs["value"][i]), 6), "features": features})
            continue
        true_class = str(true[0]) if true else ""
        if not label.string and true_class.lstrip("-").isdigit() and int(true_class) < len(label.classes):
            true_class = label.classes[int(true_class)]  # integer labels are class ids
        samples.append({"true": true_class, "predicted": outputs["class"][i].numpy().decode(),
                        "probability": round(float(outputs["probabilities"][i].numpy().max()), 4),
                        "features": features})
    _write_text(f"{run_dir}/{SAMPLES_FILE}", json.dumps(samples))
    if regression:
        true_values = raw[label.key]  # a label is in every example (features.label_of): one value each
        if isinstance(true_values, tf.SparseTensor):
            true_values = tf.sparse.to_dense(true_values)
        true_values = tf.reshape(tf.cast(true_values, tf.float64), [-1])
        _write_text(f"{run_dir}/{EVAL_PREDICTIONS_FILE}", json.dumps(
            {"true": [round(float(v), 6) for v in true_values.numpy()],
             "predicted": [round(float(v), 6) for v in outputs["value"].numpy()]}))


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


def _serve_raw_examples(model: tf.keras.Model, transform_output: tft.TFTransformOutput, label: Label) -> Any:
    """Serialized raw tf.Examples (no label) -> `probabilities` per class and `class`, the likeliest's name;
    or a regression's `value`, one float per example."""
    model.tft_layer = transform_output.transform_features_layer()  # tracked, so it is saved with the model
    raw_spec = {name: spec for name, spec in transform_output.raw_feature_spec().items() if name != label.key}
    names = tf.constant(label.classes or ("",))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve(serialized: tf.Tensor) -> dict[str, tf.Tensor]:
        outputs = model(model.tft_layer(tf.io.parse_example(serialized, raw_spec)))
        if label.task == "regression":
            return {"value": tf.reshape(outputs, [-1])}
        return {"probabilities": outputs, "class": tf.gather(names, tf.argmax(outputs, axis=1))}

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
