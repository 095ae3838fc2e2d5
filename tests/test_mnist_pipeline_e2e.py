"""The MNIST pipeline end to end on real images from ../shared/data/mnist.npz, through the CLI.

Scheduled retraining as a user's schedule runs it (the session's `mnist_retraining`): a first run
(pushes, plots), the same file unchanged (everything cached, nothing pushed), new data written over
the file (re-ingested, retrained, compared with the served model and pushed, drift measured against
the served model's training data). Then, on the same root: predictions from the served model,
drifted data (stopped by the drift gate when declared, else trained with a warning, its model
refused), `tfxflow drift` against the served model, a bad file (refused), and `tfxflow runs`
listing all of them.
"""
import json
import subprocess
from pathlib import Path

import ml_metadata as mlmd
import numpy as np
import pytest
from ml_metadata.proto import metadata_store_pb2
from PIL import Image

from conftest import MNIST_TEST_IMAGES, MNIST_TRAIN_IMAGES, REPO, TFXFLOW, run_mnist

pytestmark = pytest.mark.e2e


def tfxflow(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([TFXFLOW, *args], capture_output=True, text=True, cwd=REPO, timeout=900)


def states(summary):
    return {c["name"]: c["state"] for c in summary["components"]}


def examples_artifacts(root: Path) -> int:
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(root / "metadata.sqlite")
    return len(mlmd.MetadataStore(config).get_artifacts_by_type("Examples"))


@pytest.fixture(scope="module")
def retraining(mnist_retraining):
    return mnist_retraining


def test_first_run_pushes_a_blessed_model_and_leaves_plots(retraining):
    code, summary, _ = retraining.runs[0]
    assert code == 0 and summary["status"] == "succeeded" and set(states(summary).values()) == {"ran"}
    assert summary["blessed"] is True and summary["metrics"]["accuracy"] >= 0.85
    assert summary["metrics"]["examples"] == MNIST_TEST_IMAGES
    assert sorted(summary["metrics"]["per_class_accuracy"]) == [str(d) for d in range(10)]
    assert Path(summary["pushed_model"], "saved_model.pb").is_file()
    assert summary["served_model"] == summary["pushed_model"] and summary["serves_this_run"] is True
    assert summary["drift"] == "no baseline (no served model trained on other data)"
    assert [Path(p).name for p in summary["plots"]] == ["learning_curve.png", "sample_predictions.png"]
    for plot in summary["plots"]:
        with Image.open(plot) as image:
            assert image.format == "PNG" and image.size[0] > 400
    assert list(Path(summary["tensorboard"]).rglob("events.out.tfevents.*"))


def test_pushed_version_holds_its_training_statistics_and_provenance(retraining):
    pushed = Path(retraining.runs[0][1]["pushed_model"])
    record = json.loads((pushed / "assets.extra" / "tfxflow.json").read_text())
    assert set(record) == {"model", "data", "lineage"} and Path(record["model"]).is_relative_to(retraining.root)
    assert (pushed / "assets.extra" / "train_statistics.pb").stat().st_size > 1000


def test_unchanged_data_executes_nothing_and_pushes_nothing(retraining):
    code, summary, stderr = retraining.runs[1]
    first = retraining.runs[0][1]
    assert code == 0 and set(states(summary).values()) == {"cached"}
    assert summary["pushed_model"] == first["pushed_model"] and summary["serves_this_run"] is True
    assert summary["drift"] == first["drift"]  # the cached verdict, not a contradiction of it


def test_new_data_at_the_same_path_retrains_and_is_compared_with_the_served_model(retraining):
    code, summary, _ = retraining.runs[2]
    first = retraining.runs[0][1]
    assert code == 0 and states(summary) == {
        "ImportSchemaGen": "cached", "NpzExampleGen": "ran", "StatisticsGen": "ran", "ExampleValidator": "ran",
        "DriftGate": "ran", "Transform": "ran", "Trainer": "ran", "Evaluator": "ran", "Pusher": "ran"}
    assert summary["drift"] == f"none (against the training data of served version {Path(first['pushed_model']).name})"
    assert summary["blessed"] is True and summary["metrics"]["accuracy"] >= first["metrics"]["accuracy"] - 0.005
    pushed = Path(summary["pushed_model"])
    earlier = Path(first["pushed_model"])
    assert pushed.parent == earlier.parent and int(pushed.name) > int(earlier.name)
    assert summary["served_model"] == str(pushed) and summary["serves_this_run"] is True
    blessing = _blessing(retraining.root, summary["run_id"])
    assert blessing.custom_properties["baseline_model"].string_value == first["pushed_model"]
    assert Path(first["pushed_model"], "saved_model.pb").is_file()  # evaluating against it left it intact


def test_predict_reads_npz_and_png_with_the_served_model(retraining, tmp_path):
    images, labels = retraining.arrays["x_test"][:40], retraining.arrays["y_test"][:40]
    np.savez(tmp_path / "digits.npz", x_test=images)
    Image.fromarray(images[0]).save(tmp_path / "first.png")
    done = tfxflow("predict", "--model", str(retraining.root / "serving"), "--input", str(tmp_path / "digits.npz"),
                   "--input", str(tmp_path / "first.png"), "--json")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["input"] for line in lines[:2]] == [f"{tmp_path / 'digits.npz'}[0]", f"{tmp_path / 'digits.npz'}[1]"]
    digits = np.array([line["digit"] for line in lines])
    assert (digits[:40] == labels).mean() >= 0.85 and digits[40] == digits[0]
    assert all(0.1 <= line["probability"] <= 1.0 for line in lines)


def test_predict_refuses_a_wrong_shaped_image(retraining, tmp_path):
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(tmp_path / "big.png")
    done = tfxflow("predict", "--model", str(retraining.root / "serving"), "--input", str(tmp_path / "big.png"))
    assert done.returncode == 2 and done.stderr.strip().endswith("image is 32x32; expected 28x28 grayscale")


def inverted(retraining, directory: Path) -> Path:
    path = directory / "inverted.npz"
    np.savez(path, **{key: 255 - value if key.startswith("x") else value for key, value in retraining.arrays.items()})
    return path


def test_drifted_data_stops_before_training_when_declared(retraining, tmp_path):
    code, summary, _ = run_mnist(retraining.root, inverted(retraining, tmp_path), "drift.fail_on_drift=true")
    assert code == 1 and states(summary)["DriftGate"] == "failed" and states(summary)["ExampleValidator"] == "ran"
    assert "Transform" not in states(summary) and "Trainer" not in states(summary)
    [failed] = [c for c in summary["components"] if c["state"] == "failed"]
    assert "drift in image (Jensen-Shannon divergence" in failed["error"] and summary["pushed_model"] is None


def test_drifted_data_is_trained_with_a_warning_and_its_refused_model_changes_nothing_served(retraining, tmp_path):
    served = retraining.runs[2][1]["pushed_model"]
    code, summary, _ = run_mnist(retraining.root, inverted(retraining, tmp_path), "evaluator.min_accuracy=1.0")
    assert code == 0 and states(summary)["Trainer"] == "ran"
    assert summary["drift"].startswith("drift in image (Jensen-Shannon divergence")
    warning = "warning: the training data drifted from the served model's"
    assert any(note.startswith(warning) for note in summary["notes"])
    assert summary["blessed"] is False and summary["pushed_model"] is None
    assert summary["served_model"] == served and summary["serves_this_run"] is False


def test_drift_command_compares_new_data_with_the_served_models_training_data(retraining):
    """After a refused model: its data is no baseline, the served model's is."""
    done = tfxflow("drift", "pipelines/mnist.yaml", "--set", f"run.root={retraining.root}",
                   "--data", str(retraining.data), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["baseline"] == f"the training statistics of served version {retraining.runs[2][1]['pushed_model']}"
    assert result["examples"] == MNIST_TRAIN_IMAGES[1] + MNIST_TEST_IMAGES
    assert result["drifted"] is False and result["anomalies"] == []


def test_bad_file_is_refused_before_any_component_and_writes_nothing(retraining, tmp_path):
    """Checked (headers, then labels) before the run hashes it: exit 2, one line, no run in the history."""
    bad = dict(retraining.arrays, y_test=retraining.arrays["y_test"] + 5)
    path = tmp_path / "mnist.npz"
    np.savez(path, **bad)
    before = examples_artifacts(retraining.root)
    code, summary, stderr = run_mnist(retraining.root, path)
    assert code == 2 and summary == {}
    assert stderr.strip().splitlines() == [f"{path}: y_test: labels range over 5..14; expected digits 0-9"]
    assert examples_artifacts(retraining.root) == before


def test_runs_lists_every_run_newest_first_and_marks_the_served_one(retraining):
    done = tfxflow("runs", "pipelines/mnist.yaml", "--set", f"run.root={retraining.root}", "--json")
    assert done.returncode == 0, done.stderr
    runs = [json.loads(line) for line in done.stdout.splitlines()]  # one object per line
    assert [r["status"] for r in runs] == ["succeeded", "failed", "succeeded", "succeeded", "succeeded"]
    assert [r["run_id"] for r in runs] == sorted((r["run_id"] for r in runs), reverse=True)
    warned, stopped, new_data, unchanged, first = runs  # the refused bad file never became a run
    assert warned["drift"].startswith("drift in image") and stopped["drift"] == "stopped the run " \
        "(drift.fail_on_drift)" and new_data["drift"].startswith("none (against")
    assert first["drift"] == unchanged["drift"] == "no baseline (no served model trained on other data)"
    assert first["blessed"] is True and first["accuracy"] == pytest.approx(retraining.runs[0][1]["metrics"]["accuracy"])
    assert first["pushed_version"] == Path(retraining.runs[0][1]["pushed_model"]).name
    assert stopped["accuracy"] is None and stopped["pushed_version"] is None
    newest = max((p.name for p in (retraining.root / "serving").iterdir()), key=int)
    assert {r["pushed_version"] for r in runs if r["served"]} == {newest}
    assert [r["cached"] for r in runs] == [False, False, False, True, False]  # the unchanged rerun executed nothing
    table = tfxflow("runs", "pipelines/mnist.yaml", "--set", f"run.root={retraining.root}").stdout.splitlines()
    assert table[0].split() == ["run", "status", "accuracy", "blessed", "pushed", "served", "drift"]
    assert [table[4].split()[i] for i in (0, 1, 4)] == [runs[3]["run_id"], "cached", "(cached)"]  # not a new push


def _blessing(root: Path, run_id: str) -> metadata_store_pb2.Artifact:
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(root / "metadata.sqlite")
    store = mlmd.MetadataStore(config)
    run = store.get_context_by_type_and_name("pipeline_run", run_id)
    [blessing] = [a for a in store.get_artifacts_by_context(run.id) if a.type_id == store.get_artifact_type(
        "ModelBlessing").id]
    return blessing

