"""R² as a TFMA metric (components/served_model_evaluator/r_squared.py): the coefficient of determination
as numpy computes it, whatever the bundles Beam splits the examples into, and exact for labels whose
mean is large against their spread."""
import numpy as np
import pytest
from tensorflow_model_analysis.metrics import metric_types

from tfxflow.components.served_model_evaluator.r_squared import NAME, RSquared, _RSquaredCombiner

KEY = metric_types.MetricKey(name=NAME)


def r_squared(labels: np.ndarray, predictions: np.ndarray, bundles: int) -> float:
    combiner = _RSquaredCombiner(KEY, None, example_weighted=False)
    accumulators = []
    for labels_part, predictions_part in zip(np.array_split(labels, bundles), np.array_split(predictions, bundles)):
        accumulator = combiner.create_accumulator()
        for label, prediction in zip(labels_part, predictions_part):
            inputs = metric_types.StandardMetricInputs(labels=np.array([label]), predictions=np.array([prediction]),
                                                       example_weights=np.array([1.0]))
            accumulator = combiner.add_input(accumulator, inputs)
        accumulators.append(accumulator)
    return combiner.extract_output(combiner.merge_accumulators(accumulators))[KEY]


def expected(labels: np.ndarray, predictions: np.ndarray) -> float:
    return 1 - np.sum((labels - predictions) ** 2) / np.sum((labels - labels.mean()) ** 2)


@pytest.mark.parametrize("bundles", [1, 3, 7])
def test_it_is_the_coefficient_of_determination_however_the_examples_are_bundled(bundles):
    rng = np.random.default_rng(0)
    labels = rng.normal(2.0, 1.5, 200)
    predictions = labels + rng.normal(0, 0.5, 200)
    assert r_squared(labels, predictions, bundles) == pytest.approx(expected(labels, predictions), rel=1e-12)


def test_labels_far_from_zero_lose_no_precision():
    rng = np.random.default_rng(1)
    labels = 1e9 + rng.normal(0, 1.0, 500)
    predictions = labels + rng.normal(0, 0.1, 500)
    assert r_squared(labels, predictions, 4) == pytest.approx(expected(labels, predictions), rel=1e-6)


def test_predicting_the_mean_is_zero_and_labels_that_never_vary_have_none():
    labels = np.array([1.0, 2.0, 3.0])
    assert r_squared(labels, np.full(3, 2.0), 2) == pytest.approx(0.0)
    assert np.isnan(r_squared(np.full(3, 5.0), np.full(3, 5.0), 1))


def test_it_is_registered_for_tfma_under_its_name():
    assert RSquared().name == "r_squared" and "RSquared" in metric_types.registered_metrics()
