"""The summary's metrics per task (pipelines/summary.py): every metric the Evaluator computed under TFMA's
name in `tfxflow run --json`, and the lines a person reads for classification, two classes and regression."""
from tfxflow.pipelines.summary import ComponentReport, RunSummary, candidate_metrics, headline, metric_text, task_of

REGRESSION = {"task": "regression", "examples": 500, "accuracy": None, "confusion_matrix": [],
              "per_class_accuracy": {}, "roc": [], "failed_thresholds": [],
              "metrics": {"mean_squared_error": 0.0012, "mean_absolute_error": 0.0251,
                          "root_mean_squared_error": 0.034641}}
BINARY = {"task": "classification", "examples": 200, "accuracy": 0.91, "confusion_matrix": [[0, 0, 90]],
          "per_class_accuracy": {"0": 0.9, "1": 0.92}, "roc": [[0.0, 0.0], [0.1, 0.8], [1.0, 1.0]],
          "failed_thresholds": [], "metrics": {"accuracy": 0.91, "auc": 0.95, "precision": 0.88, "recall": 0.79}}
BEFORE_REGRESSION = {"accuracy": 0.875, "examples": 64, "confusion_matrix": [], "failed_thresholds": [],
                     "per_class_accuracy": {"0": 0.75, "1": 1.0}}


def summary(outcome, classes=()):
    run = RunSummary(pipeline="p", run_id="r", status="succeeded", blessed=True,
                     components=[ComponentReport("Evaluator", "ran", 1.0)], pushed_model=None)
    run.task, run.metrics = task_of(outcome), candidate_metrics(outcome, classes)
    return run


def test_regression_metrics_are_tfma_names_with_the_example_count_and_no_accuracy():
    run = summary(REGRESSION)
    assert run.to_json()["task"] == "regression"
    assert run.to_json()["metrics"] == {"mean_squared_error": 0.0012, "mean_absolute_error": 0.0251,
                                        "root_mean_squared_error": 0.034641, "examples": 500}


def test_regression_reads_as_its_errors_on_one_line():
    lines = summary(REGRESSION).to_text().splitlines()
    assert ("  mean_squared_error: 0.0012  root_mean_squared_error: 0.0346  mean_absolute_error: 0.0251 "
            "on 500 eval examples") in lines
    assert not any("accuracy:" in line or "per class" in line for line in lines)


def test_binary_classification_keeps_accuracy_where_it_was_and_adds_auc_precision_recall():
    run = summary(BINARY, ("no", "yes"))
    assert run.to_json()["metrics"] == {"accuracy": 0.91, "auc": 0.95, "precision": 0.88, "recall": 0.79,
                                        "examples": 200, "per_class_accuracy": {"no": 0.9, "yes": 0.92}}
    lines = run.to_text().splitlines()
    assert lines[1:4] == ["  accuracy: 0.9100 on 200 eval examples", "  per class: no: 0.900  yes: 0.920",
                          "  auc: 0.9500  precision: 0.8800  recall: 0.7900"]


def test_an_outcome_recorded_before_regression_reads_as_classification():
    run = summary(BEFORE_REGRESSION, ("cat", "dog"))
    assert run.task == "classification"
    assert run.to_json()["metrics"] == {"accuracy": 0.875, "examples": 64,
                                        "per_class_accuracy": {"cat": 0.75, "dog": 1.0}}
    assert run.to_text().splitlines()[1:] == ["  accuracy: 0.8750 on 64 eval examples",
                                              "  per class: cat: 0.750  dog: 1.000", "  blessed: yes",
                                              "  pushed: nothing"]
    assert headline(BEFORE_REGRESSION) == ("accuracy", 0.875)


def test_the_headline_is_accuracy_or_mean_squared_error():
    assert headline(BINARY) == ("accuracy", 0.91)
    assert headline(REGRESSION) == ("mean_squared_error", 0.0012)


def test_a_metric_the_evaluator_could_not_compute_is_left_out():
    outcome = {**BINARY, "metrics": {**BINARY["metrics"], "auc": None}}
    metrics = candidate_metrics(outcome)
    assert "auc" not in metrics and metrics["precision"] == 0.88
    assert summary(outcome).to_text().splitlines()[3] == "  precision: 0.8800  recall: 0.7900"


def test_small_and_large_metrics_keep_their_digits():
    assert [metric_text(v) for v in (0.91234, 0.0, 0.00001234, 2.5e7, 1234.5)] == [
        "0.9123", "0.0000", "1.234e-05", "2.5e+07", "1234.5000"]
