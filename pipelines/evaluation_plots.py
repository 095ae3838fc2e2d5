"""PNG figures of a model's evaluation for the run's report: the ROC curve of two classes, and a
regression's predictions against the true values and its residuals.

    png = roc_curve([[0.0, 0.0], [0.1, 0.8], [1.0, 1.0]], auc=0.93)
    png = predicted_against_true(true=[1.0, 2.0], predicted=[1.1, 1.8])

They draw what the Evaluator and the Trainer recorded, with matplotlib alone: the report is written
without TensorFlow (the Trainer's own plots, components/training_plots.py, write through tf.io.gfile).
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Optional

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402

_SIZE = (4.2, 3.6)


def roc_curve(points: Sequence[Sequence[float]], auc: Optional[float]) -> bytes:
    """The true positive rate against the false positive rate (`points`: [fpr, tpr] pairs, the Evaluator's
    outcome["roc"]), the chance diagonal, and the AUC in the title."""
    figure, axis = plt.subplots(figsize=_SIZE)
    rates = sorted((float(fpr), float(tpr)) for fpr, tpr in points)
    axis.plot([fpr for fpr, _ in rates], [tpr for _, tpr in rates], color="#4a7ebb", label="model")
    axis.plot([0, 1], [0, 1], linestyle="--", color="#999", label="chance")
    axis.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="false positive rate", ylabel="true positive rate",
             title="ROC curve" + (f" (AUC {auc:.4f})" if auc is not None else ""))
    axis.legend(loc="lower right", fontsize=8)
    return _png(figure)


def predicted_against_true(true: Sequence[float], predicted: Sequence[float]) -> bytes:
    """One dot per example, with the line y = x where every prediction would be exact."""
    figure, axis = plt.subplots(figsize=_SIZE)
    axis.scatter(true, predicted, s=8, alpha=0.5, color="#4a7ebb")
    low, high = min(*true, *predicted), max(*true, *predicted)
    axis.plot([low, high], [low, high], color="#b00", linewidth=1, label="y = x")
    axis.set(xlabel="true value", ylabel="predicted value", title="predicted against true")
    axis.legend(loc="upper left", fontsize=8)
    return _png(figure)


def residuals(true: Sequence[float], predicted: Sequence[float]) -> bytes:
    """A histogram of predicted - true: centred on 0 for an unbiased model."""
    figure, axis = plt.subplots(figsize=_SIZE)
    axis.hist([p - t for t, p in zip(true, predicted, strict=True)], bins=30, color="#4a7ebb")
    axis.axvline(0, color="#b00", linewidth=1)
    axis.set(xlabel="residual (predicted - true)", ylabel="examples", title="residuals")
    return _png(figure)


def _png(figure: plt.Figure) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    plt.close(figure)
    return buffer.getvalue()
