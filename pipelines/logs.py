"""Keeping TF, TFX and Beam logs out of the terminal and in a file beside the run."""
from __future__ import annotations

import logging
import os
from pathlib import Path

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Lines of one record shown with --verbose; TFX logs whole protobufs (thousands of lines a run).
SHOWN_LINES = 3
# Loggers whose INFO records say nothing a person acts on (Beam explains each type hint it converts);
# the log file keeps them.
_CHATTY = ("apache_beam.typehints",)


class _Brief(logging.Formatter):
    """A record's first SHOWN_LINES lines, and where the rest is."""

    def __init__(self, log_file: Path):
        super().__init__(_FORMAT)
        self.log_file = log_file

    def filter(self, record: logging.LogRecord) -> bool:  # as a handler's filter
        return record.levelno >= logging.WARNING or not record.name.startswith(_CHATTY)

    def format(self, record: logging.LogRecord) -> str:
        lines = super().format(record).splitlines()
        if len(lines) <= SHOWN_LINES:
            return "\n".join(lines)
        return "\n".join([*lines[:SHOWN_LINES], f"    ... {len(lines) - SHOWN_LINES} more lines in {self.log_file}"])


def capture_logs(log_file: Path, verbose: bool) -> None:
    """Sends all Python logging (absl, TFX, Beam, TF, warnings) to `log_file`; to stderr too if verbose,
    each record there cut to its first SHOWN_LINES lines.

    Call it before TensorFlow is imported: TF's C++ log level is read once, at import.
    """
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(log_file)
    to_file.setFormatter(logging.Formatter(_FORMAT))
    handlers: list[logging.Handler] = [to_file]
    if verbose:
        handlers.append(logging.StreamHandler())
        brief = _Brief(log_file)
        handlers[-1].setFormatter(brief)
        handlers[-1].addFilter(brief)
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
