"""Predictions of a pushed model, on inputs read by the ingest kind it was trained from.

    reader = Reader.of("runs/churn/serving")                 # the newest version's input schema and kind
    reader.check(Path("new.csv"))                            # before the model loads: BadInput, one line
    model = load_model("runs/churn/serving")                 # its serving_default signature
    for examples in reader.examples(Path("new.csv")):        # model_inputs.Examples, BATCH at a time
        for prediction in predict_records(model, examples, "new.csv"):
            print(prediction.line())                         # new.csv[0]: pro (p=0.957), or new.csv[0]: 0.8415

The kind reads each input with its `prediction_examples` (pipelines/spec.py, IngestSettings), and the
model's own serving signature parses, normalizes and predicts, exactly as in serving. A model pushed
before tfxflow recorded its kind (assets.extra/model_info.json) has each input read by the kind of its
suffix, and every input of a model without an input schema (tfxflow's first, MNIST's) by mnist's.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tfxflow.components.user_code import UnknownName
from tfxflow.pipelines.model_inputs import (
    IMAGE_SUFFIXES,
    TFRECORD_SUFFIXES,
    Examples,
    Layout,
    PredictError,
    model_layout,
    version_directory,
)
from tfxflow.pipelines.prediction import Prediction
from tfxflow.pipelines.spec import ingest_kind

if TYPE_CHECKING:
    from tfxflow.pipelines.spec import IngestSettings

# The kind that reads an input of each suffix for a model pushed before its kind was recorded.
SUFFIX_KINDS = {".csv": "csv", ".npz": "npz", **dict.fromkeys(IMAGE_SUFFIXES, "npz"),
                **dict.fromkeys(TFRECORD_SUFFIXES, "tfrecord")}
DIRECTORY_KIND = "tfrecord"
FIRST_KIND = "mnist"  # every input of a model without an input schema


@dataclass(frozen=True)
class Reader:
    """How inputs are read for one pushed model: its raw features, and the ingest kind it was trained from
    (None: a model pushed before the kind was recorded, whose inputs are read by the kind of their suffix)."""

    layout: Layout
    kind: type[IngestSettings] | None

    @classmethod
    def of(cls, model: str | Path) -> Reader:
        """The reader of the model at `model`; PredictError when its kind (a user's package.module:Class)
        cannot be imported from the working directory."""
        layout = model_layout(model)
        if layout.kind is None:
            return cls(layout, None)
        try:
            return cls(layout, ingest_kind(layout.kind))
        except UnknownName as error:
            raise PredictError(f"{model}: the model's ingest kind: {error}; run predict where its pipeline "
                               "runs") from None

    def kind_for(self, path: Path) -> type[IngestSettings]:
        """The kind that reads the input `path`."""
        if self.kind is not None:
            return self.kind
        if self.layout.mnist:
            return ingest_kind(FIRST_KIND)
        name = DIRECTORY_KIND if path.is_dir() else SUFFIX_KINDS.get(path.suffix.lower())
        if name is None:
            raise PredictError(f"{path}: not an input predict reads; expected .csv, .npz, TFRecords (.tfrecord, .gz "
                               f"or a directory) or an image ({', '.join(sorted(IMAGE_SUFFIXES))})")
        return ingest_kind(name)

    def check(self, path: Path) -> Path:
        """`path`, once its kind has checked what is cheap to read; BadInput (one line) if it cannot be read."""
        if not path.exists():
            raise PredictError(f"{path}: no such file")
        self.kind_for(path).check_prediction_input(path, self.layout)
        return path

    def examples(self, path: Path) -> Iterator[Examples]:
        """The input's examples, BATCH at a time, as its kind reads them (plain (names, records) pairs too)."""
        for batch in self.kind_for(path).prediction_examples(path, self.layout):
            yield batch if isinstance(batch, Examples) else Examples(*batch)


def load_model(path: str | Path):  # -> the loaded SavedModel's serving_default signature
    """The `serving_default` signature of a pushed model (a version dir, or the newest in a serving dir;
    a local path or a URI)."""
    import tensorflow as tf  # only once the inputs are known to be good

    directory = version_directory(path)
    try:
        signature = tf.saved_model.load(directory).signatures["serving_default"]
    except (OSError, KeyError, ValueError) as error:
        reason = " ".join(str(error).split())[:200]
        raise PredictError(f"{directory}: not a pushed tfxflow model ({reason})") from None
    if "examples" not in signature.structured_input_signature[1]:
        raise PredictError(f"{directory}: its serving signature does not take serialized tf.Examples")
    return signature


def predict_records(signature, examples: Examples, what: str | Path) -> list[Prediction]:
    """Each example's prediction: a regression's `value` output; else the likeliest class's name (the
    model's `class` output; its id for a model without one) and its probability. `what` names the input."""
    import tensorflow as tf

    if not examples.records:
        return []
    try:
        outputs = signature(examples=tf.constant(examples.records))
    except tf.errors.InvalidArgumentError as error:  # e.g. a baker model, which parses other features
        reason = next((line for line in error.message.splitlines() if "Feature" in line), "").strip()
        raise PredictError(f"{what}: the model does not read these examples ({reason or 'its inputs differ'})") \
            from None
    if "value" in outputs:
        # float32's shortest digits (0.84147096), not those of the float64 it widens to (0.8414709568023682)
        return [Prediction(name, value=float(str(value)))
                for name, value in zip(examples.names, outputs["value"].numpy().reshape(-1), strict=True)]
    probabilities = outputs["probabilities"].numpy()
    labels = ([label.decode() for label in outputs["class"].numpy()] if "class" in outputs
              else [str(row.argmax()) for row in probabilities])
    return [Prediction(name, label, float(row.max()))
            for name, label, row in zip(examples.names, labels, probabilities, strict=True)]
