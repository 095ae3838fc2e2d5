"""What the Evaluator measured, as plain values: recorded on its blessing by the executor, so reading
a run back (`tfxflow runs`, the summary, the report) needs neither TFMA nor TensorFlow.

    outcome = evaluation_outcome(evaluation_uri)     # in the executor (TFMA): accuracy, per class, failures
    record(blessing, outcome)                        # as custom properties of the ModelBlessing
    outcome = recorded(blessing_mlmd_artifact)       # reading back: the same dict, from MLMD alone

`task` is the pipeline's; `metrics` holds every metric computed for the candidate on the overall
slice by TFMA's name (metric_names.py), `examples` their count; for a classification, `accuracy`
repeats metrics["accuracy"], `confusion_matrix` holds `[actual id, predicted id, examples]` for every
pair seen (the likeliest class is the prediction), `per_class_accuracy` maps each class id (a string)
to its accuracy (accuracy_by_class_id of that matrix), and for a binary one `roc` holds [false positive
rate, true positive rate] points of the positive class, by rising threshold; `failed_thresholds` has
one line per bound the candidate missed.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any, Optional

OUTCOME_KEY = "tfxflow_outcome"  # the blessing's custom property holding the outcome as JSON


def evaluation_outcome(evaluation_uri: str) -> dict[str, Any]:
    """The candidate model's metrics on the eval split (see the module's docstring; a regression is told
    by its mean squared error), and the bounds it missed, read from TFMA's output."""
    import tensorflow_model_analysis as tfma

    metrics: dict[str, float] = {}
    for metrics_for_slice in tfma.load_metrics(evaluation_uri):
        if metrics_for_slice.slice_key.single_slice_keys:
            continue  # only the overall slice is read (older runs also hold one per class)
        for item in metrics_for_slice.metric_keys_and_values:
            if not item.key.is_diff and item.key.model_name in ("", "candidate"):
                metrics[item.key.name] = float(f"{item.value.double_value.value:.6g}")  # 6 significant digits
    examples = int(metrics.pop("example_count", 0))
    task = "regression" if "mean_squared_error" in metrics else "classification"
    plots = list(tfma.load_plots(evaluation_uri))
    matrix = _confusion_matrix(plots)
    return {"task": task, "metrics": metrics, "examples": examples, "accuracy": metrics.get("accuracy"),
            "confusion_matrix": matrix, "per_class_accuracy": accuracy_by_class_id(matrix), "roc": _roc(plots),
            "failed_thresholds": _failed_thresholds(tfma.load_validation_result(evaluation_uri))}


def record(blessing: Any, outcome: dict[str, Any]) -> None:
    """Stores `outcome` on a ModelBlessing artifact (a TFX Artifact) being written."""
    blessing.set_string_custom_property(OUTCOME_KEY, json.dumps(outcome, sort_keys=True))


def recorded(blessing: Any, evaluation_uri: Optional[str] = None) -> Optional[dict[str, Any]]:
    """The outcome stored on an MLMD ModelBlessing; for an Evaluator that stored none (tfxflow before
    0.2), read from `evaluation_uri` with TFMA; None without either."""
    if blessing is not None and OUTCOME_KEY in blessing.custom_properties:
        return json.loads(blessing.custom_properties[OUTCOME_KEY].string_value)
    return evaluation_outcome(evaluation_uri) if evaluation_uri else None


def class_name(classes: Sequence[str], class_id: int | str) -> str:
    """A class id's name: `classes[id]`, or the id itself when the schema names no such class."""
    return classes[int(class_id)] if 0 <= int(class_id) < len(classes) else str(class_id)


def per_class_accuracy(outcome: dict[str, Any], classes: Sequence[str] = ()) -> dict[str, float]:
    """The outcome's accuracy per class, by class name, in class-id order."""
    by_id = sorted(outcome.get("per_class_accuracy", {}).items(), key=lambda item: int(item[0]))
    return {class_name(classes, class_id): value for class_id, value in by_id}


def accuracy_by_class_id(confusion_matrix: list[list[int]]) -> dict[str, float]:
    """Each class id's accuracy, the share of its examples whose likeliest class is theirs: what a TFMA
    slice per class measures, read from the overall confusion matrix instead of computed again.

        accuracy_by_class_id([[0, 0, 9], [0, 1, 1], [1, 1, 5]])   # {"0": 0.9, "1": 1.0}
    """
    examples: Counter[int] = Counter()
    correct: Counter[int] = Counter()
    for actual, predicted, count in confusion_matrix:
        examples[actual] += count
        correct[actual] += count if predicted == actual else 0
    return {str(class_id): round(correct[class_id] / examples[class_id], 6) for class_id in sorted(examples)
            if examples[class_id]}


def _roc(plots: list[Any]) -> list[list[float]]:
    """[false positive rate, true positive rate] at each threshold of the binary confusion matrix plot
    (ConfusionMatrixPlot of the positive class; none when it was not computed), repeated points left out."""
    for value in _candidate_plots(plots):
        matrices = value.confusion_matrix_at_thresholds.matrices
        if matrices:
            points = [[round(m.false_positives / max(m.false_positives + m.true_negatives, 1), 6),
                       round(m.true_positives / max(m.true_positives + m.false_negatives, 1), 6)] for m in matrices]
            return [point for i, point in enumerate(points) if i == 0 or point != points[i - 1]]
    return []


def _confusion_matrix(plots: list[Any]) -> list[list[int]]:
    """The overall slice's MultiClassConfusionMatrixPlot at threshold 0 (none when it was not computed)."""
    for value in _candidate_plots(plots):
        matrices = value.multi_class_confusion_matrix_at_thresholds.matrices
        if matrices:
            return sorted([entry.actual_class_id, entry.predicted_class_id, round(entry.num_weighted_examples)]
                          for entry in matrices[0].entries)
    return []


def _candidate_plots(plots: list[Any]) -> Iterator[Any]:
    """The candidate model's plot values on the overall slice (TFMA's PlotsForSlice protos)."""
    for plots_for_slice in plots:
        if not plots_for_slice.slice_key.single_slice_keys:
            yield from (item.value for item in plots_for_slice.plot_keys_and_values
                        if item.key.model_name in ("", "candidate"))


def _failed_thresholds(result: Any) -> list[str]:
    reasons = []
    for per_slice in result.metric_validations_per_slice:
        for failure in per_slice.failures:
            name, value = failure.metric_key.name, failure.metric_value.double_value.value
            threshold = failure.metric_threshold
            if failure.metric_key.is_diff:
                change = threshold.change_threshold
                relative = change.HasField("relative")
                allowed = (change.relative if relative else change.absolute).value
                how = f"{allowed:+.2%} of the served model's value" if relative else f"{allowed:+.4g}"
                reasons.append(f"{name} changed by {value:+.4g} against the served model; allowed: {how}")
                continue
            bounds = threshold.value_threshold
            if bounds.HasField("lower_bound") and value < bounds.lower_bound.value:
                reasons.append(f"{name} {value:.4g} is below the minimum {bounds.lower_bound.value:.4g}")
            else:
                reasons.append(f"{name} {value:.4g} is above the maximum {bounds.upper_bound.value:.4g}")
    return reasons
