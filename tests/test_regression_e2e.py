"""Regression from YAML alone: the shipped sine pipeline (the tutorial's MLP fitting sin(x)) and a user's
CSV whose label is a price. The CSV project starts from `tfxflow schema infer` (a FLOAT label: the task
is a regression), runs with the user's model function, reruns from cache, is refused a blessing by a
bound the built-in mlp cannot meet (nothing pushed), predicts values, checks drift of the label,
renders its report and compiles for Kubeflow."""
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO
from test_user_pipelines_e2e import compiled, ran, run, tfxflow
from user_project import PRICES_MODEL, write_package, write_prices

pytestmark = pytest.mark.e2e
REGRESSION_METRICS = {"mean_squared_error", "mean_absolute_error", "root_mean_squared_error", "r_squared"}
PRICES = """\
name: prices
ingest: {kind: csv, path: data/prices.csv}
label: {key: price}
schema_file: schemas/prices.pbtxt
trainer: {model: "price_models.dense:build", epochs: 30, learning_rate: 0.01}
evaluator:
  thresholds: {root_mean_squared_error: {upper: 0.2}}
"""
# A bound no model meets on noisy prices (their noise alone is 0.05), for the built-in mlp.
UNREACHABLE = ["--set", "trainer.model=mlp", "--set", "evaluator.thresholds={root_mean_squared_error: {upper: 0.001}}"]


@dataclass
class Prices:
    directory: Path
    inferred: tuple[int, str, str]
    first: tuple[int, dict, str]
    unchanged: tuple[int, dict, str]
    refused: tuple[int, dict, str]


@pytest.fixture(scope="module")
def prices(tmp_path_factory) -> Prices:
    directory = tmp_path_factory.mktemp("prices")
    write_prices(directory / "data" / "prices.csv")
    write_package(directory, "price_models", {"dense": PRICES_MODEL})
    (directory / "prices.yaml").write_text(PRICES)
    inferred = tfxflow(directory, "schema", "infer", "prices.yaml", "--output", "schemas/prices.pbtxt")
    first, unchanged = run(directory, "prices.yaml"), run(directory, "prices.yaml")
    code, stdout, stderr = tfxflow(directory, "run", "prices.yaml", "--json", *UNREACHABLE)
    refused = (code, json.loads(stdout) if stdout.strip() else {}, stderr)
    return Prices(directory, inferred, first, unchanged, refused)


@pytest.fixture(scope="module")
def sine(tmp_path_factory) -> tuple[int, dict, str]:
    root = tmp_path_factory.mktemp("sine")
    return tfxflow(REPO, "run", "pipelines/sine.yaml", "--json", "--set", f"run.root={root}")


def test_the_sine_pipeline_fits_sin_x_and_is_blessed_on_its_mean_squared_error(sine):
    code, stdout, stderr = sine
    summary = json.loads(stdout)
    assert code == 0 and summary["blessed"] is True and summary["pushed_model"], stderr[-3000:]
    metrics = summary["metrics"]
    assert summary["task"] == "regression" and set(metrics) >= REGRESSION_METRICS
    assert metrics["mean_squared_error"] <= 0.001 and metrics["examples"] == 1000 and metrics["r_squared"] > 0.99
    assert metrics["root_mean_squared_error"] == pytest.approx(metrics["mean_squared_error"] ** 0.5, rel=1e-3)
    info = json.loads(Path(summary["pushed_model"], "assets.extra", "model_info.json").read_text())
    assert info == {"kind": "sine", "label": {"key": "y", "task": "regression", "classes": [], "string": False}}


def test_a_regressions_report_plots_predictions_against_true_values_not_a_confusion_matrix(sine):
    from browser import render

    dom, requests = render(Path(json.loads(sine[1])["report"]))
    assert requests == []
    assert "Predicted against true" in dom and "Residuals" in dom and "Confusion matrix" not in dom


def test_a_users_regression_csv_infers_a_float_label_and_trains_a_regression(prices):
    code, stdout, stderr = prices.inferred
    assert code == 0 and "4 features (area, district, price, rooms)" in stdout, stderr
    text = (prices.directory / "schemas" / "prices.pbtxt").read_text()
    price = [feature for feature in text.split("feature {") if 'name: "price"' in feature][0]
    assert "type: FLOAT" in price and "int_domain" not in price and "jensen_shannon_divergence" in price
    code, summary, stderr = prices.first
    assert code == 0 and summary["blessed"] is True and summary["task"] == "regression", stderr[-3000:]
    assert set(summary["metrics"]) >= REGRESSION_METRICS and "accuracy" not in summary["metrics"]
    assert summary["metrics"]["root_mean_squared_error"] <= 0.2


def test_an_unchanged_regression_rerun_executes_nothing(prices):
    code, summary, stderr = prices.unchanged
    assert code == 0 and ran(summary) == set() and summary["blessed"] is True, stderr[-3000:]


def test_a_model_beyond_its_bound_is_not_blessed_and_the_served_model_stays(prices):
    code, summary, stderr = prices.refused
    assert code == 0 and ran(summary) >= {"Trainer", "Evaluator"}, stderr[-3000:]
    assert summary["blessed"] is False and summary["pushed_model"] is None
    assert any("root_mean_squared_error" in note and "above the maximum 0.001" in note for note in summary["notes"])
    assert summary["served_model"] == prices.first[1]["pushed_model"] and not summary["serves_this_run"]
    code, stdout, _ = tfxflow(prices.directory, "runs", "prices.yaml")
    assert code == 0 and stdout.splitlines()[0].split()[2] == "mean_squared_error"


def test_predict_prints_the_predicted_price_of_each_row(prices):
    (prices.directory / "new.csv").write_text("rooms,area,district\n2,50,south\n5,120,north\n3,,east\n")
    code, stdout, stderr = tfxflow(prices.directory, "predict", "--model", "runs/prices/serving", "--input",
                                   "new.csv", "--json")
    assert code == 0, stderr
    values = [json.loads(line)["value"] for line in stdout.splitlines()]
    assert np.allclose(values[:2], [0.6 + 0.75, 1.5 + 1.8 + 0.4], atol=0.25)  # 0.3 rooms + 0.015 area + district
    assert len(values) == 3  # the third's missing area imputed


def test_drift_covers_the_label(prices):
    lines = (prices.directory / "data" / "prices.csv").read_text().splitlines()
    rows = [line.split(",") for line in lines[1:]]
    (prices.directory / "dearer.csv").write_text("\n".join([lines[0], *(",".join([*r[:3], f"{float(r[3]) * 2:.4f}"])
                                                                        for r in rows)]) + "\n")
    code, stdout, _ = tfxflow(prices.directory, "drift", "prices.yaml", "--data", "dearer.csv", "--json")
    drifted = {f["feature"] for f in json.loads(stdout)["features"] if f["drifted"]}
    assert code == 1 and drifted == {"price"}


def test_the_regression_pipeline_compiles_for_kubeflow(prices):
    pipeline = compiled(prices.directory, "prices.yaml", "gs://acme/data/prices.csv")
    trainer = pipeline["root"]["dag"]["tasks"]["Trainer"]["inputs"]["parameters"]
    config = json.loads(trainer["custom_config"]["runtimeValue"]["constant"])
    assert config["label"] == {"key": "price", "task": "regression", "classes": [], "string": False}
