"""R², the coefficient of determination of a regression, as a TFMA metric (TFMA 0.47 has none).

    tfma.MetricConfig(class_name="RSquared", module="tfxflow.components.served_model_evaluator.r_squared")

R² = 1 - Σ(y - p)² / Σ(y - ȳ)²: 1 for a perfect fit, 0 for predicting the mean, negative for worse.
The spread of the labels is accumulated as a count, a mean and a sum of squared deviations, merged
with Chan et al.'s parallel formula, so it does not lose precision when the labels' mean is large
against their spread (Σy² - n ȳ² would); NaN when every label is the same.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Optional

import apache_beam as beam
from tensorflow_model_analysis.metrics import metric_types, metric_util

NAME = "r_squared"


@dataclass
class _Sums:
    """Weights, the labels' weighted mean and sum of squared deviations, and the squared errors."""

    weight: float = 0.0
    mean: float = 0.0
    deviations: float = 0.0
    errors: float = 0.0

    def add(self, label: float, prediction: float, weight: float) -> None:
        self.merge(_Sums(weight, label, 0.0, weight * (label - prediction) ** 2))

    def merge(self, other: _Sums) -> None:
        total = self.weight + other.weight
        if total == 0:
            return
        delta = other.mean - self.mean
        self.deviations += other.deviations + delta**2 * self.weight * other.weight / total
        self.mean += delta * other.weight / total
        self.weight = total
        self.errors += other.errors


class _RSquaredCombiner(beam.CombineFn):
    def __init__(self, key: metric_types.MetricKey, eval_config: Any, example_weighted: bool):
        self._key, self._eval_config, self._example_weighted = key, eval_config, example_weighted

    def create_accumulator(self) -> _Sums:
        return _Sums()

    def add_input(self, accumulator: _Sums, element: metric_types.StandardMetricInputs) -> _Sums:
        for label, prediction, weight in metric_util.to_label_prediction_example_weight(
                element, eval_config=self._eval_config, model_name=self._key.model_name,
                output_name=self._key.output_name, example_weighted=self._example_weighted):
            accumulator.add(float(metric_util.safe_to_scalar(label)), float(metric_util.safe_to_scalar(prediction)),
                            float(metric_util.safe_to_scalar(weight)))
        return accumulator

    def merge_accumulators(self, accumulators: Iterable[_Sums]) -> _Sums:
        merged = _Sums()
        for accumulator in accumulators:
            merged.merge(accumulator)
        return merged

    def extract_output(self, accumulator: _Sums) -> dict[metric_types.MetricKey, float]:
        if accumulator.deviations <= 0:
            return {self._key: float("nan")}
        return {self._key: float(1 - accumulator.errors / accumulator.deviations)}


def _computations(name: str = NAME, eval_config: Any = None, model_name: str = "", output_name: str = "",
                  example_weighted: bool = False, sub_key: Optional[metric_types.SubKey] = None,
                  **_: Any) -> metric_types.MetricComputations:
    key = metric_types.MetricKey(name=name, model_name=model_name, output_name=output_name, sub_key=sub_key,
                                 example_weighted=example_weighted)
    return [metric_types.MetricComputation(keys=[key], preprocessors=None,
                                           combiner=_RSquaredCombiner(key, eval_config, example_weighted))]


class RSquared(metric_types.Metric):
    """The coefficient of determination of the model's predictions (see the module's docstring)."""

    def __init__(self, name: str = NAME):
        super().__init__(metric_util.merge_per_key_computations(_computations), name=name)


metric_types.register_metric(RSquared)
