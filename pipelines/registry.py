"""Names in a pipeline file bound to implementations: built-ins by name, a user's by import path.

    INGEST_KINDS.load("baker")                    # a built-in, registered as an entry point
    INGEST_KINDS.load("my_data.kinds:Parquet")    # a user's class, importable from the working directory

Built-ins register exactly as a user's package can: as entry points of the registry's group in
their distribution's metadata (see setup.py). Nothing is imported until a name is loaded, so
reading a pipeline file imports only the kind it names.
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

    def load(self, name: str) -> Any:
        """The implementation `name` refers to: a registered name, or `package.module:attribute`."""
        if ":" in name:
            return import_object(name)
        points = [point for point in entry_points(group=self.group) if point.name == name]
        if not points:
            raise UnknownName(
                f"{name!r}: no {self.what} of that name; expected one of {', '.join(self.names())}, "
                "or package.module:Name importable from the working directory"
            )
        return points[0].load()
