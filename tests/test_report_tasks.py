"""The run report's evaluation per task (pipelines/report.py), rendered from an Evaluator outcome and a
Trainer's run dir written here (no pipeline runs): regression draws predicted against true values and the
residuals instead of a confusion matrix; two classes add a ROC curve; the page stays offline and escaped."""
import base64
import html
import json
import re

from ml_metadata.proto import metadata_store_pb2 as pb

from tfxflow.components.label import Label
from tfxflow.components.served_model_evaluator.metrics import OUTCOME_KEY
from tfxflow.pipelines.report import render

REGRESSION = {"task": "regression", "examples": 500, "accuracy": None, "confusion_matrix": [],
              "per_class_accuracy": {}, "roc": [], "failed_thresholds": [],
              "metrics": {"mean_squared_error": 0.0012, "mean_absolute_error": 0.0251,
                          "root_mean_squared_error": 0.034641}}
BINARY = {"task": "classification", "examples": 200, "accuracy": 0.91,
          "confusion_matrix": [[0, 0, 90], [0, 1, 10], [1, 0, 8], [1, 1, 92]],
          "per_class_accuracy": {"0": 0.9, "1": 0.92}, "roc": [[0.0, 0.0], [0.1, 0.8], [0.3, 0.95], [1.0, 1.0]],
          "failed_thresholds": [], "metrics": {"accuracy": 0.91, "auc": 0.95, "precision": 0.88, "recall": 0.79}}


def run_outputs(tmp_path, outcome, label, **files):
    """The executions and outputs `render` reads: a Trainer given `label`, its run dir holding `files`
    (name: JSON value), and the Evaluator's blessing recording `outcome`."""
    model_run = tmp_path / "model_run"
    model_run.mkdir()
    for name, value in files.items():
        (model_run / f"{name}.json").write_text(json.dumps(value))
    trainer = pb.Execution(last_known_state=pb.Execution.COMPLETE)
    trainer.custom_properties["custom_config"].string_value = json.dumps({"label": label.to_config()})
    blessing = pb.Artifact(uri=str(tmp_path / "blessing"))
    blessing.custom_properties["blessed"].int_value = 1
    blessing.custom_properties[OUTCOME_KEY].string_value = json.dumps(outcome)
    return {"Trainer": trainer}, {"Evaluator.blessing": blessing, "Trainer.model_run": pb.Artifact(uri=str(model_run))}


def section(page, heading):
    """The part of the page under the <h2> `heading`, up to the next <h2>."""
    return page.split(f"<h2>{heading}</h2>", 1)[1].split("<h2>", 1)[0]


def images(html):
    """The alt text of each inline image, checked to be a PNG in the page itself."""
    found = re.findall(r"<img alt='([^']*)' src='data:image/png;base64,([^']+)'>", html)
    assert all(base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n") for _, data in found)
    return [alt for alt, _ in found]


def regression_page(tmp_path, **files):
    samples = [{"true": 1.5, "predicted": 1.25, "features": {"x": "0.5"}},
               {"true": None, "predicted": 2.0, "features": {"x": "0.7"}}]
    predictions = {"true": [0.1 * i for i in range(50)], "predicted": [0.1 * i + 0.01 * (i % 5) for i in range(50)]}
    files = {"samples": samples, "eval_predictions": predictions, **files}
    return render("r1", *run_outputs(tmp_path, REGRESSION, Label("y", "regression"), **files))


def test_regression_shows_its_metrics_scatter_and_residuals_and_no_confusion_matrix(tmp_path):
    evaluation = section(regression_page(tmp_path), "Evaluation")
    assert "<p>On 500 eval examples:</p>" in evaluation
    for name, value in (("mean_squared_error", "0.0012"), ("mean_absolute_error", "0.0251"),
                        ("root_mean_squared_error", "0.0346")):
        assert f"<tr><td>{name}</td><td class='n'>{value}</td></tr>" in evaluation
    assert "<h3>Predicted against true</h3>" in evaluation and "<h3>Residuals</h3>" in evaluation
    assert images(evaluation) == ["predicted against true", "histogram of residuals"]
    assert "Confusion matrix" not in evaluation and "<th>class</th>" not in evaluation
    assert "Accuracy" not in evaluation and "ROC" not in evaluation


def test_regression_samples_show_true_and_predicted_values_without_a_probability(tmp_path):
    samples = section(regression_page(tmp_path), "Sample predictions")
    assert "<th>predicted</th><th>true</th><th>error</th><th>x</th>" in samples
    assert "<tr><td class='n'>1.25</td><td class='n'>1.5</td><td class='n'>-0.25</td><td>0.5</td></tr>" in samples
    assert "<tr><td class='n'>2</td><td></td><td></td><td>0.7</td></tr>" in samples  # no label: no true value
    assert "probability" not in samples


def test_regression_without_eval_predictions_says_so_instead_of_plotting(tmp_path):
    page = render("r1", *run_outputs(tmp_path, REGRESSION, Label("y", "regression")))
    evaluation = section(page, "Evaluation")
    assert "the Trainer recorded no eval predictions (eval_predictions.json)" in evaluation
    assert images(evaluation) == [] and "mean_squared_error" in evaluation


def test_binary_classification_adds_a_roc_curve_with_its_auc_to_the_confusion_matrix(tmp_path):
    page = render("r1", *run_outputs(tmp_path, BINARY, Label("churned", "classification", ("no", "yes"))))
    evaluation = section(page, "Evaluation")
    assert "<p>Accuracy 0.9100 on 200 eval examples.</p>" in evaluation
    assert "<h3>Confusion matrix</h3>" in evaluation and "<th>yes</th>" in evaluation
    assert "<h3>ROC curve</h3><p>AUC 0.9500:" in evaluation
    assert images(evaluation) == ["ROC curve, AUC 0.9500"]
    assert "<tr><td>recall</td><td class='n'>0.7900</td></tr>" in evaluation
    assert "Predicted against true" not in evaluation


def test_many_classes_recorded_before_regression_read_as_before(tmp_path):
    outcome = {"accuracy": 0.5, "examples": 4, "confusion_matrix": [[0, 0, 1], [0, 2, 1], [2, 2, 2]],
               "per_class_accuracy": {"0": 0.5, "2": 1.0}, "failed_thresholds": []}
    executions, outputs = run_outputs(tmp_path, outcome, Label("kind", "classification", ("a", "b", "c")))
    executions["Trainer"].custom_properties["custom_config"].string_value = json.dumps({"label": "kind"})
    (tmp_path / "schema").mkdir()  # then the classes were named by the run's schema alone
    (tmp_path / "schema" / "schema.pbtxt").write_text(
        'feature { name: "kind" type: BYTES domain: "kind" shape { dim { size: 1 } } }\n'
        'string_domain { name: "kind" value: "a" value: "b" value: "c" }\n')
    outputs["ImportSchemaGen.schema"] = pb.Artifact(uri=str(tmp_path / "schema"))
    evaluation = section(render("r1", executions, outputs), "Evaluation")
    assert "<p>Accuracy 0.5000 on 4 eval examples.</p>" in evaluation and "<h3>Confusion matrix</h3>" in evaluation
    assert "<tr><td>a</td><td class='n'>0.5000</td></tr><tr><td>c</td>" in evaluation
    assert "<th>metric</th>" not in evaluation and "ROC" not in evaluation and images(evaluation) == []


def test_recorded_names_and_values_are_escaped_and_nothing_is_fetched(tmp_path):
    hostile = "<img src='http://evil.example/x.png' onerror=alert(1)>"
    outcome = {**REGRESSION, "metrics": {**REGRESSION["metrics"], hostile: 1.0}}
    samples = [{"true": 1.0, "predicted": 2.0, "features": {hostile: hostile}}]
    history = {"loss": [0.5], hostile: [0.25], f"val_{hostile}": [0.3]}
    page = render("r1", *run_outputs(tmp_path, outcome, Label("y", "regression"), samples=samples,
                                     eval_predictions={"true": [1.0, 2.0], "predicted": [1.5, 2.5]}, history=history))
    assert hostile not in page and "http://evil" in page  # there, but only as escaped text
    assert "<script" not in page and not re.search(r"(src|href)=['\"](?!data:)", page)
    assert page.count(html.escape(hostile)) == 5  # the metric, two history heads, a sample's head and cell
