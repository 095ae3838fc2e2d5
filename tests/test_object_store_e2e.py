"""Local runs with everything in an S3-compatible store (a real S3 API server, tests/s3_server.py,
reached only through the AWS SDK's variables): the MNIST pipeline and a user's CSV pipeline with
their data, their artifacts (`run.pipeline_root`) and their serving directory in buckets; then
`predict --model` and `drift --data` on the buckets, and a missing object refused in one line."""
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import MNIST_SMALL, MNIST_TEST_IMAGES, MNIST_TRAIN_IMAGES, REPO, TFXFLOW, write_mnist
from user_project import CHURN_MODEL, write_customers, write_package

pytestmark = pytest.mark.e2e

CHURN = """\
name: churn
ingest: {kind: csv, path: s3://data/customers.csv, eval_fraction: 0.2}
label: {key: plan}
schema_file: schemas/churn.pbtxt
run: {pipeline_root: s3://runs/churn}
pusher: {serving_dir: s3://models/churn}
trainer: {model: "churn_models.dense:build", epochs: 20}
evaluator: {min_accuracy: 0.8, max_accuracy_drop: 0.1}
"""
MNIST_IN_BUCKETS = ["ingest.path=s3://data/mnist.npz", "run.pipeline_root=s3://runs/mnist",
                    "pusher.serving_dir=minio://models/mnist"]  # minio://: the same store, read as s3://


def tfxflow(s3, *args, cwd=REPO):
    done = subprocess.run([TFXFLOW, *args], capture_output=True, text=True, cwd=cwd, timeout=900,
                          env={**os.environ, **s3.env, "PYTHONPATH": ""})
    return done.returncode, done.stdout, done.stderr


def run(s3, spec, *overrides, cwd=REPO):
    args = ["run", spec, "--json"]
    for override in overrides:
        args += ["--set", override]
    code, stdout, stderr = tfxflow(s3, *args, cwd=cwd)
    return code, json.loads(stdout) if stdout.strip() else {}, stderr


@pytest.fixture(scope="module")
def mnist(s3, tmp_path_factory):
    """The MNIST pipeline run twice (first, unchanged) with its data, artifacts and models in buckets."""
    for bucket in ("data", "runs", "models"):
        s3.create_bucket(bucket)
    work = tmp_path_factory.mktemp("mnist-s3")
    arrays = write_mnist(work / "mnist.npz", MNIST_TRAIN_IMAGES[0])
    s3.client().upload_file(str(work / "mnist.npz"), "data", "mnist.npz")
    overrides = [f"run.root={work / 'root'}", *MNIST_SMALL, *MNIST_IN_BUCKETS]
    return work, arrays, [run(s3, "pipelines/mnist.yaml", *overrides) for _ in range(2)]


def test_mnist_trains_and_pushes_with_data_artifacts_and_models_in_buckets(mnist, s3):
    work, _, runs = mnist
    code, summary, stderr = runs[0]
    assert code == 0, stderr
    assert {c["state"] for c in summary["components"]} == {"ran"} and summary["blessed"] is True
    version = summary["pushed_model"].rsplit("/", 1)[1]
    assert summary["pushed_model"] == summary["served_model"] == f"s3://models/mnist/{version}"
    assert {"saved_model.pb", "assets.extra/tfxflow.json", "assets.extra/train_statistics.pb"} <= {
        key.split("/", 2)[2] for key in s3.keys("models", f"mnist/{version}/")}
    artifacts = s3.keys("runs", "mnist/")
    for component in ("NpzExampleGen", "StatisticsGen", "Transform", "Trainer", "Evaluator", "Pusher"):
        assert any(key.startswith(f"mnist/{component}/") for key in artifacts), component
    assert not (work / "root" / "pipeline").exists()  # only MLMD, logs and reports stay on this machine
    page = Path(summary["report"]).read_text()  # written from the artifacts in the bucket
    assert "histogram of image" in page and "learning curves" in page and "Confusion matrix" in page


def test_an_unchanged_rerun_on_buckets_executes_nothing(mnist):
    code, summary, stderr = mnist[2][1]
    assert code == 0, stderr
    assert {c["state"] for c in summary["components"]} == {"cached"}
    assert summary["pushed_model"] == mnist[2][0][1]["pushed_model"] and summary["serves_this_run"] is True


def test_predict_reads_the_served_model_from_the_bucket(mnist, s3, tmp_path):
    _, arrays, _ = mnist
    np.savez(tmp_path / "digits.npz", x_test=arrays["x_test"][:100])
    code, stdout, stderr = tfxflow(s3, "predict", "--model", "minio://models/mnist", "--input",
                                   str(tmp_path / "digits.npz"), "--json")
    assert code == 0, stderr
    digits = np.array([json.loads(line)["digit"] for line in stdout.splitlines()])
    assert (digits == arrays["y_test"][:100]).mean() >= 0.85


def test_drift_reads_new_data_from_the_bucket(mnist, s3):
    work, _, _ = mnist
    code, stdout, stderr = tfxflow(s3, "drift", "pipelines/mnist.yaml", "--data", "s3://data/mnist.npz", "--json",
                                   "--set", f"run.root={work / 'root'}", *[f"--set={o}" for o in MNIST_IN_BUCKETS])
    assert code == 0, stderr
    result = json.loads(stdout)
    assert result["examples"] == MNIST_TRAIN_IMAGES[0] + MNIST_TEST_IMAGES and result["drifted"] is False
    assert result["baseline"].startswith("the training statistics of served version s3://models/mnist/")


def test_a_missing_object_is_one_line_and_nothing_runs(mnist, s3):
    work, _, _ = mnist
    code, summary, stderr = run(s3, "pipelines/mnist.yaml", f"run.root={work / 'missing'}", *MNIST_IN_BUCKETS,
                                "ingest.path=s3://data/none.npz")
    assert code == 2 and summary == {} and stderr.strip().splitlines() == [
        "s3://data/none.npz: no such file; expected an MNIST .npz"], stderr


def test_a_csv_pipeline_infers_its_schema_trains_and_predicts_from_buckets(s3, tmp_path):
    for bucket in ("data", "runs", "models"):
        s3.create_bucket(bucket)
    write_customers(tmp_path / "customers.csv")
    s3.client().upload_file(str(tmp_path / "customers.csv"), "data", "customers.csv")
    write_package(tmp_path, "churn_models", {"dense": CHURN_MODEL.replace("UNITS", "32")})
    (tmp_path / "churn.yaml").write_text(CHURN)
    code, stdout, stderr = tfxflow(s3, "schema", "infer", "churn.yaml", "--output", "schemas/churn.pbtxt", cwd=tmp_path)
    assert code == 0 and "inferred from the rows of s3://data/customers.csv" in stdout, stderr
    code, summary, stderr = run(s3, "churn.yaml", cwd=tmp_path)
    assert code == 0 and summary["blessed"] is True, stderr
    assert summary["pushed_model"].startswith("s3://models/churn/")
    (tmp_path / "new.csv").write_text("age,income,region,tenure\n30,75,north,1\nNA,20,south,4\n")
    code, stdout, stderr = tfxflow(s3, "predict", "--model", "s3://models/churn", "--input", "new.csv", "--json",
                                   cwd=tmp_path)
    assert code == 0, stderr
    assert [json.loads(line)["class"] for line in stdout.splitlines()] == ["pro", "basic"]
