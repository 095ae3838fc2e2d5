"""User code named by import path in a pipeline file (`package.module:name`), found from the working
directory as a user expects.

    build = import_object("my_models.cnn:build")   # my_models/ in the directory tfxflow runs in

The `tfxflow` script's sys.path starts at its own directory, not where it is run: the working
directory is added (once, at the end, after the installed packages) before user code is looked up.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import Any

from tfxflow.components.errors import BadInput


class UnknownName(BadInput):
    """A name in a pipeline file that is not registered or not importable; the message is one line."""


def from_working_directory() -> None:
    """Makes modules in the working directory importable (and findable without importing them)."""
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())


def check_importable(path: str) -> str:
    """`path` if it is `package.module:name` and the module exists (found, not imported: no TensorFlow
    is loaded by checking a model's path); UnknownName otherwise."""
    module_name, colon, attribute = path.partition(":")
    if not (colon and module_name and attribute.isidentifier()):
        raise UnknownName(f"{path!r}: expected package.module:name")
    from_working_directory()
    try:
        found = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        found = None
    if found is None:
        raise UnknownName(f"{path!r}: no module {module_name} importable from {os.getcwd()}")
    return path


def import_object(path: str) -> Any:
    """The object `path` (package.module:name) names; UnknownName, one line, when there is none."""
    check_importable(path)
    module_name, _, attribute = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except (ImportError, SyntaxError) as error:
        raise UnknownName(f"{path!r}: cannot import {module_name} ({error})") from None
    except Exception as error:  # the module's own code failed as it ran: the file names broken code
        reason = " ".join(str(error).split())[:200]
        raise UnknownName(f"{path!r}: importing {module_name} raised {type(error).__name__}: {reason}") from None
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise UnknownName(f"{path!r}: {module_name} has no {attribute!r}") from None
