"""The one base of every error tfxflow reports as one line, and its "bad input" kind (exit 2).

    raise BadInput(f"{path}: no x_train; found {', '.join(keys)}")   # the user's file, setting or data

The command line catches TfxflowError once: its message is printed as it is, and the exit code is
2 for BadInput (the input, a setting or a file is wrong: nothing ran), 1 for the others (something
ran and failed, or a service refused). Anything else is a bug and keeps its type in the message.
"""
from __future__ import annotations


class TfxflowError(Exception):
    """An error whose message is one line for a person, naming what failed; exit code 1."""

    exit_code = 1


class BadInput(TfxflowError, ValueError):
    """A file, setting or piece of data that cannot be used, named with what was expected; exit code 2.
    A ValueError too, so that pydantic reports one raised in a validator at its key."""

    exit_code = 2
