"""PNG plots a Trainer leaves beside its TensorBoard logs: learning curves and sample predictions.

    plot_learning_curve(history.history, f"{run_dir}/learning_curve.png")
    plot_sample_predictions(images, predicted, true, f"{run_dir}/sample_predictions.png")

Paths are local or URIs (a Trainer in a Kubeflow pod writes to gs://): files are written with tf.io.gfile.
"""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def plot_learning_curve(history: dict[str, list[float]], path: str) -> str:
    """Loss and each compiled metric (accuracy; a regression's mean_absolute_error) per epoch, train and
    eval, side by side."""
    epochs = np.arange(1, len(history["loss"]) + 1)
    metrics = [key for key in history if not key.startswith("val_")]
    figure, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 4), squeeze=False)
    for axis, metric in zip(axes[0], metrics, strict=True):
        axis.plot(epochs, history[metric], marker="o", label="train")
        if f"val_{metric}" in history:
            axis.plot(epochs, history[f"val_{metric}"], marker="o", label="eval")
        axis.set(title=metric, xlabel="epoch", xticks=epochs)
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    return _save(figure, path)


def plot_sample_predictions(images: np.ndarray, predicted: np.ndarray, true: np.ndarray, path: str) -> str:
    """A grid of images titled `predicted (true)`, wrong predictions in red."""
    columns = min(len(images), 8)
    rows = -(-len(images) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.4 * columns, 1.6 * rows), squeeze=False)
    for axis in axes.ravel():
        axis.axis("off")
    for axis, image, guess, label in zip(axes.ravel(), images, predicted, true, strict=False):
        axis.imshow(image, cmap="gray_r")
        axis.set_title(f"{guess} ({label})", color="black" if guess == label else "red", fontsize=10)
    figure.suptitle("predicted (true)")
    figure.tight_layout()
    return _save(figure, path)


def _save(figure: plt.Figure, path: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    with tf.io.gfile.GFile(path, "wb") as stream:
        stream.write(buffer.getvalue())
    return path
