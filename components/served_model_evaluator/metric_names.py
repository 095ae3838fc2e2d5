"""The metrics the Evaluator computes for each task, under TFMA's names, and the bounds it blesses by
when a pipeline file declares none. Plain Python: the spec checks `evaluator.thresholds` with it.

    metric_names(Label("y", "regression"))         # {"mean_squared_error": Metric(...), ...}
    default_bounds(Label("y", "regression"))       # ({}, {"mean_squared_error": 1% worse at most})

A regression's R² is tfxflow's own TFMA metric (r_squared.py). Binary classification adds AUC,
precision and recall of the positive class, class id 1 (the second of the schema's classes), each at
TFMA's threshold of 0.5 where one applies.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tfxflow.components.label import Label

HEADLINE = {"classification": "accuracy", "regression": "mean_squared_error"}
POSITIVE_CLASS = 1  # binary metrics are of class id 1


@dataclass(frozen=True)
class Metric:
    """A TFMA MetricConfig: its `class_name` (in `module`, if not TFMA's or Keras') and constructor `config`;
    which way is better; whether it is computed on the positive class of a binary classifier."""

    class_name: str
    higher_is_better: bool
    config: dict[str, Any] = field(default_factory=dict)
    binary: bool = False
    module: str = ""


_CLASSIFICATION = {"accuracy": Metric("SparseCategoricalAccuracy", True, {"name": "accuracy"})}
_BINARY = {"auc": Metric("AUC", True, {"name": "auc"}, binary=True),
           "precision": Metric("Precision", True, {"name": "precision"}, binary=True),
           "recall": Metric("Recall", True, {"name": "recall"}, binary=True)}
_REGRESSION = {"mean_squared_error": Metric("MeanSquaredError", False),
               "mean_absolute_error": Metric("MeanAbsoluteError", False),
               "root_mean_squared_error": Metric("RootMeanSquaredError", False),
               "r_squared": Metric("RSquared", True, module="tfxflow.components.served_model_evaluator.r_squared")}


def metric_names(label: Label) -> dict[str, Metric]:
    """Every metric the Evaluator computes for `label`'s task, by the name TFMA reports it under."""
    if label.task == "regression":
        return dict(_REGRESSION)
    return {**_CLASSIFICATION, **(_BINARY if label.binary else {})}


def default_bounds(label: Label) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The value bounds and the change bounds (against the served model), as `evaluator.thresholds` and
    `evaluator.change` write them, used when none are declared: classification at least 0.5 accurate and
    at most 0.01 less accurate than the served model; regression no value bound (its scale is the data's)
    and a mean squared error at most 1% above the served model's."""
    if label.task == "regression":
        return {}, {"mean_squared_error": {"max_increase": 0.01, "relative": True}}
    return {"accuracy": {"lower": 0.5}}, {"accuracy": {"max_decrease": 0.01}}
