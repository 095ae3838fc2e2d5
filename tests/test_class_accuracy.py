"""Accuracy per class from the Evaluator's confusion matrix (served_model_evaluator/metrics.py): what
a TFMA slice per class measured, on the same [actual, predicted, examples] entries."""
from tfxflow.components.served_model_evaluator.metrics import accuracy_by_class_id, per_class_accuracy


def test_each_class_is_its_correct_share_of_its_own_examples():
    matrix = [[0, 0, 9], [0, 1, 1], [1, 1, 5], [2, 0, 3], [2, 1, 1]]
    assert accuracy_by_class_id(matrix) == {"0": 0.9, "1": 1.0, "2": 0.0}


def test_predictions_of_a_class_do_not_count_as_its_examples():
    # class 1 is predicted 4 times but has no examples: no accuracy for it, and none is divided by zero
    assert accuracy_by_class_id([[0, 0, 6], [0, 1, 4]]) == {"0": 0.6}
    assert accuracy_by_class_id([]) == {}


def test_named_in_class_id_order():
    outcome = {"per_class_accuracy": accuracy_by_class_id([[10, 10, 1], [2, 2, 3], [2, 10, 1]])}
    assert per_class_accuracy(outcome, [f"c{i}" for i in range(11)]) == {"c2": 0.75, "c10": 1.0}
