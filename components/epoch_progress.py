"""The Trainer's epochs as log records: the logger they go to and the line each one reads as.

    logging.getLogger(PROGRESS_LOGGER).info(epoch_line(epoch), extra={"epoch": epoch})
    epoch_line({"epoch": 3, "epochs": 10, "loss": 0.31, "accuracy": 0.91, "seconds": 4.2})
    # 'epoch 3/10  loss 0.3100  accuracy 0.9100  4.2 s'

keras_training.py logs one record per epoch, so a Trainer in a Kubeflow pod logs the same lines to
its pod's log; locally, pipelines/progress.py forwards the records to the run's progress display.
"""
from __future__ import annotations

import logging
from typing import Any

PROGRESS_LOGGER = "tfxflow.progress"
logging.getLogger(PROGRESS_LOGGER).setLevel(logging.INFO)  # epochs are news whatever the root logger's level


def epoch_line(epoch: dict[str, Any]) -> str:
    """`epoch 3/10  loss 0.3100  accuracy 0.9100  4.2 s` (and the eval split's, when measured)."""
    parts = [f"epoch {epoch['epoch']}/{epoch['epochs']}"]
    for key in ("loss", "accuracy", "mean_absolute_error", "val_loss", "val_accuracy", "val_mean_absolute_error"):
        if epoch.get(key) is not None:
            parts.append(f"{key.replace('val_', 'eval ')} {epoch[key]:.4f}")
    parts.append(f"{epoch['seconds']:.1f} s")
    return "  ".join(parts)
