"""Keeping TF, TFX and Beam logs out of the terminal and in a file beside the run."""
from __future__ import annotations

import logging
import os
from pathlib import Path


def capture_logs(log_file: Path, verbose: bool) -> None:
    """Sends all Python logging (absl, TFX, Beam, TF, warnings) to `log_file`; to stderr too if verbose.

    Call it before TensorFlow is imported: TF's C++ log level is read once, at import.
    """
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handlers: list[logging.Handler] = [logging.FileHandler(log_file)]
    if verbose:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
