"""Names in a pipeline file bound to implementations: built-ins by name, a user's by import path.

    INGEST_KINDS.load("baker")                    # a built-in, registered as an entry point
    INGEST_KINDS.load("my_data.kinds:Parquet")    # a user's class, importable from the working directory
    MODELS.load("cnn")                            # a model function (feature_shapes, outputs) -> Model

Built-ins register exactly as a user's package can: as entry points of the registry's group in
their distribution's metadata (see setup.py). Nothing is imported until a name is loaded, so
reading a pipeline file imports only the kind it names. It sits with the components because the
Trainer's run_fn (keras_training.py) loads `trainer.model` from MODELS, as the spec checks it.
"""
from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from tfxflow.components.user_code import UnknownName, import_object


class Registry:
    """The implementations of one kind of name (`what`), registered under the entry-point `group`."""

    def __init__(self, what: str, group: str):
        self.what = what
        self.group = group

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted({point.name for point in entry_points(group=self.group)})

    def path_of(self, name: str) -> str:
        """`package.module:attribute` of what `name` refers to, found without importing it."""
        if ":" in name:
            return name
        points = [point for point in entry_points(group=self.group) if point.name == name]
        if not points:
            raise UnknownName(
                f"{name!r}: no {self.what} of that name; expected one of {', '.join(self.names())}, "
                "or package.module:Name importable from the working directory"
            )
        return points[0].value

    def load(self, name: str) -> Any:
        """The implementation `name` refers to: a registered name, or `package.module:attribute`."""
        return import_object(self.path_of(name))


# Model functions `(feature_shapes, outputs) -> tf.keras.Model` that `trainer.model` names for the
# kinds whose features come from the schema (csv, tfrecord, npz); the ingest kinds are in pipelines/spec.py.
MODELS = Registry("model", "tfxflow.models")
