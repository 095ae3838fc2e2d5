"""Users' own pipelines, declared in YAML in projects of their own (tests/user_project.py builds them):
(a) a CSV of string and numeric columns with missing values and a string label of two classes (a
binary classification, blessed on its AUC too), and (b) an npz of
32x32 RGB images in 4 classes with the user's CNN. Each starts from `tfxflow schema infer`, runs end
to end, reruns from cache, (the CSV) reruns after an edit of the user's model code (only the Trainer
and what follows it execute), predicts from its kind's own inputs and compiles for Kubeflow."""
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import TFXFLOW, kernel_shapes
from kfp_local_executor import check_compiles
from user_project import CHURN_MODEL, SHAPES_CNN, write_customers, write_package, write_shapes

pytestmark = pytest.mark.e2e
CHURN = """\
name: churn
ingest: {kind: csv, path: data/customers.csv, eval_fraction: 0.2}
label: {key: plan}
schema_file: schemas/churn.pbtxt
trainer: {model: "churn_models.dense:build", epochs: 20}
evaluator: {min_accuracy: 0.8, max_accuracy_drop: 0.1, thresholds: {auc: {lower: 0.9}}}
"""
SHAPES = """\
name: shapes
ingest: {kind: npz, path: data/shapes.npz}
schema_file: schemas/shapes.pbtxt
trainer: {model: "shape_models.cnn:build", epochs: 5}
evaluator: {min_accuracy: 0.9, max_accuracy_drop: 0.1}
"""
KUBEFLOW = ["kubeflow.image=ghcr.io/acme/project:1", "kubeflow.pipeline_root=gs://acme/root",
            "pusher.serving_dir=gs://acme/serving"]


def tfxflow(project: Path, *args: str) -> tuple[int, str, str]:
    """The `tfxflow` command run in the user's project directory, as they would run it."""
    done = subprocess.run([TFXFLOW, *args], capture_output=True, text=True, cwd=project, timeout=900,
                          env={**os.environ, "PYTHONPATH": ""})
    return done.returncode, done.stdout, done.stderr


def run(project: Path, spec: str) -> tuple[int, dict, str]:
    code, stdout, stderr = tfxflow(project, "run", spec, "--json")
    return code, json.loads(stdout) if stdout.strip() else {}, stderr


def ran(summary: dict) -> set[str]:
    return {c["name"] for c in summary["components"] if c["state"] == "ran"}


@dataclass
class Project:
    """A user's project directory, the schema infer it started with, and its runs: first, unchanged (and edited)."""

    directory: Path
    inferred: tuple[int, str, str]
    runs: list[tuple[int, dict, str]]


def build_project(directory: Path, spec: str, text: str, package: str, module: str, source: str,
                  edit: tuple[str, str] | None = None) -> Project:
    write_package(directory, package, {module: source})
    (directory / spec).write_text(text)
    inferred = tfxflow(directory, "schema", "infer", spec, "--output", f"schemas/{spec.removesuffix('.yaml')}.pbtxt")
    runs = [run(directory, spec), run(directory, spec)]
    if edit:
        path = directory / package / f"{module}.py"
        path.write_text(path.read_text().replace(*edit))
        runs.append(run(directory, spec))
    return Project(directory, inferred, runs)


@pytest.fixture(scope="module")
def churn(tmp_path_factory):
    directory = tmp_path_factory.mktemp("churn")
    write_customers(directory / "data" / "customers.csv")
    return build_project(directory, "churn.yaml", CHURN, "churn_models", "dense", CHURN_MODEL.replace("UNITS", "32"),
                         ("Dense(32,", "Dense(33,"))


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    directory = tmp_path_factory.mktemp("shapes")
    write_shapes(directory / "data" / "shapes.npz")
    return build_project(directory, "shapes.yaml", SHAPES, "shape_models", "cnn", SHAPES_CNN.replace("FILTERS", "8"))


def test_the_inferred_csv_schema_names_the_classes_and_the_columns_that_may_be_missing(churn):
    code, stdout, stderr = churn.inferred
    assert code == 0 and "5 features (age, income, plan, region, tenure)" in stdout, stderr
    text = (churn.directory / "schemas" / "churn.pbtxt").read_text()
    assert 'string_domain {\n  name: "plan"\n  value: "basic"\n  value: "pro"\n}' in text
    for column in ("age", "income", "region"):  # some cells are NA or empty
        assert f'name: "{column}"\n  value_count {{\n    max: 1\n  }}' in text


def test_a_csv_with_missing_values_and_string_labels_trains_and_pushes(churn):
    code, summary, stderr = churn.runs[0]
    assert code == 0 and summary["blessed"] is True, stderr[-3000:]
    assert [c["name"] for c in summary["components"]][0] == "CsvExampleGen"
    assert summary["metrics"]["accuracy"] >= 0.8 and summary["metrics"]["auc"] >= 0.9
    assert set(summary["metrics"]) >= {"accuracy", "auc", "precision", "recall"}  # binary: TFMA's names
    assert list(summary["metrics"]["per_class_accuracy"]) == ["basic", "pro"]  # by name, in class order
    assert Path(summary["pushed_model"], "assets.extra", "input_schema.pbtxt").is_file()


def test_an_unchanged_rerun_executes_nothing_and_an_edited_model_retrains_from_the_trainer_on(churn):
    first, unchanged, edited = (summary for _, summary, _ in churn.runs)
    assert ran(unchanged) == set() and unchanged["status"] == "succeeded"
    assert ran(edited) == {"Trainer", "Evaluator", "Pusher"} and edited["blessed"] is True
    assert (33, 2) in kernel_shapes(edited["pushed_model"]) and (32, 2) in kernel_shapes(first["pushed_model"])


def test_predict_on_csv_rows_gives_class_names(churn):
    rows = churn.directory / "new.csv"
    # score = income / 10 + tenure / 4 (+ 2 in the north): 9.5 is pro, 3 basic; a missing age is imputed
    rows.write_text("age,income,region,tenure\n30,75,north,1\nNA,20,south,4\n")
    code, stdout, stderr = tfxflow(churn.directory, "predict", "--model", "runs/churn/serving", "--input", "new.csv",
                                   "--json")
    assert code == 0, stderr
    assert [json.loads(line)["class"] for line in stdout.splitlines()] == ["pro", "basic"]


def test_drift_reads_new_csv_rows_and_finds_a_shifted_column(churn):
    shifted = churn.directory / "shifted.csv"
    lines = (churn.directory / "data" / "customers.csv").read_text().splitlines()
    header, rows = lines[0], [line.split(",") for line in lines[1:]]
    shifted.write_text("\n".join([header, *(",".join([r[0], str(float(r[1]) + 30) if r[1] else "", *r[2:]])
                                            for r in rows)]) + "\n")
    code, stdout, _ = tfxflow(churn.directory, "drift", "churn.yaml", "--data", "shifted.csv", "--json")
    result = json.loads(stdout)
    assert code == 1 and {f["feature"] for f in result["features"] if f["drifted"]} >= {"income"}
    assert {f["feature"] for f in result["features"]} == {"age", "income", "plan", "region", "tenure"}


def compiled(project: Path, spec: str, data: str) -> dict:
    args = ["compile", spec, "--output", "kfp.yaml", "--set", f"ingest.path={data}"]
    for override in KUBEFLOW:
        args += ["--set", override]
    code, _, stderr = tfxflow(project, *args)
    assert code == 0, stderr
    pipeline = yaml.safe_load((project / "kfp.yaml").read_text())
    check_compiles(pipeline)  # what KFP's Argo compiler refuses
    return pipeline


def parameters(pipeline: dict, task: str) -> dict:
    return pipeline["root"]["dag"]["tasks"][task]["inputs"]["parameters"]


def test_the_csv_pipeline_compiles_for_kubeflow_with_its_content_fingerprints(churn):
    pipeline = compiled(churn.directory, "churn.yaml", "gs://acme/data/customers.csv")
    gen = parameters(pipeline, "CsvExampleGen")
    assert gen["fingerprint"]["taskOutputParameter"]["producerTask"] == "InputFingerprint"
    assert gen["input_base"]["runtimeValue"]["constant"] == "gs://acme/data"
    fingerprint = parameters(pipeline, "InputFingerprint")
    assert fingerprint["schema_file"]["runtimeValue"]["constant"] == "schemas/churn.pbtxt"  # in the user's image
    assert fingerprint["model_fn"]["runtimeValue"]["constant"] == "churn_models.dense:build"
    assert parameters(pipeline, "Trainer")["code_fingerprint"]["taskOutputParameter"]["producerTask"] == \
        "InputFingerprint"


def test_npz_images_train_a_users_cnn_and_stay_cached(shapes):
    code, stdout, stderr = shapes.inferred
    assert code == 0, stderr
    text = (shapes.directory / "schemas" / "shapes.pbtxt").read_text()
    shape = [feature for feature in text.split("feature {") if 'name: "x"' in feature][0]
    assert [int(line.split()[-1]) for line in shape.splitlines() if "size:" in line] == [32, 32, 3]
    (code, first, stderr), (_, unchanged, _) = shapes.runs
    assert code == 0 and first["blessed"] is True and first["metrics"]["accuracy"] >= 0.9, stderr[-3000:]
    assert list(first["metrics"]["per_class_accuracy"]) == ["0", "1", "2", "3"]
    assert ran(unchanged) == set()
    assert (3, 3, 3, 8) in kernel_shapes(first["pushed_model"])  # the user's CNN


def test_predict_takes_npz_rows_and_image_files_of_the_models_size(shapes):
    from PIL import Image

    with np.load(shapes.directory / "data" / "shapes.npz") as arrays:
        x, y = arrays["x_test"][:20], arrays["y_test"][:20]
    np.savez(shapes.directory / "rows.npz", x=x)
    Image.fromarray(x[0]).save(shapes.directory / "first.png")
    code, stdout, stderr = tfxflow(shapes.directory, "predict", "--model", "runs/shapes/serving",
                                   "--input", "rows.npz", "--input", "first.png", "--json")
    assert code == 0, stderr
    predicted = [json.loads(line)["class"] for line in stdout.splitlines()]
    assert predicted == [*map(str, y), str(y[0])]
    Image.fromarray(x[0]).resize((28, 28)).save(shapes.directory / "small.png")
    code, _, stderr = tfxflow(shapes.directory, "predict", "--model", "runs/shapes/serving", "--input", "small.png")
    assert code == 2 and stderr.strip() == "small.png: image is 28x28; expected 32x32 (the model's x)"


def test_the_npz_pipeline_compiles_for_kubeflow(shapes):
    pipeline = compiled(shapes.directory, "shapes.yaml", "gs://acme/data/shapes.npz")
    gen = parameters(pipeline, "NpzExampleGen")
    assert gen["feature"]["runtimeValue"]["constant"] == "x" and gen["label"]["runtimeValue"]["constant"] == "label"


def test_the_report_names_the_classes_and_shows_the_rows_it_predicted(churn):
    from browser import render

    _, summary, _ = churn.runs[0]
    dom, requests = render(Path(summary["report"]))
    assert requests == []
    matrix = dom[dom.index("Confusion matrix"):]
    assert all(f"<th>{name}</th>" in matrix for name in ("basic", "pro"))
    assert "ROC curve" in dom  # two classes
    samples = dom[dom.index("Sample predictions"):]
    assert "<th>region</th>" in samples and samples.count("<tr>") == 1 + 16  # a header, the first 16 eval rows
