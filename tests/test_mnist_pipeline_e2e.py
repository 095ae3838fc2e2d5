"""The MNIST pipeline end to end on a real subset of ../shared/data/mnist.npz, through the CLI.

In order, as a user's runs would go: first run (pushes, plots), predictions from the pushed
model, an unchanged rerun (cached), a changed file (re-ingested), `tfxflow drift` against the
latest run, drifted data (stopped by the drift gate when declared, else trained with a warning),
a bad file (refused), and `tfxflow runs` listing all of them.
"""
import json
import subprocess
import sys
from pathlib import Path

import ml_metadata as mlmd
import numpy as np
import pytest
from ml_metadata.proto import metadata_store_pb2
from PIL import Image

from conftest import REPO

pytestmark = pytest.mark.e2e

SHARED_MNIST = REPO.parent / "shared" / "data" / "mnist.npz"
TFXFLOW = str(Path(sys.executable).with_name("tfxflow"))
SMALL = ["trainer.epochs=3", "evaluator.min_accuracy=0.85"]


def tfxflow(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([TFXFLOW, *args], capture_output=True, text=True, cwd=REPO, timeout=900)


def run(root: Path, npz: Path, *overrides: str) -> tuple[int, dict]:
    args = ["run", "pipelines/mnist.yaml", "--json", "--set", f"run.root={root}", "--set", f"ingest.path={npz}"]
    for override in [*SMALL, *overrides]:
        args += ["--set", override]
    done = tfxflow(*args)
    return done.returncode, json.loads(done.stdout)


def states(summary):
    return {c["name"]: c["state"] for c in summary["components"]}


def examples_artifacts(root: Path) -> int:
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(root / "metadata.sqlite")
    return len(mlmd.MetadataStore(config).get_artifacts_by_type("Examples"))


@pytest.fixture(scope="module")
def subset(tmp_path_factory):
    """3,000 training and 1,000 test images cut from the real MNIST file."""
    with np.load(SHARED_MNIST, allow_pickle=False) as mnist:
        arrays = {"x_train": mnist["x_train"][:3000], "y_train": mnist["y_train"][:3000],
                  "x_test": mnist["x_test"][:1000], "y_test": mnist["y_test"][:1000]}
    path = tmp_path_factory.mktemp("data") / "mnist.npz"
    np.savez_compressed(path, **arrays)
    return path, arrays


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("mnist")


@pytest.fixture(scope="module")
def first(root, subset):
    return run(root, subset[0])


def test_first_run_pushes_a_blessed_model_and_leaves_plots(first, root):
    code, summary = first
    assert code == 0 and summary["status"] == "succeeded" and set(states(summary).values()) == {"ran"}
    assert summary["blessed"] is True and summary["metrics"]["accuracy"] >= 0.85
    assert summary["metrics"]["examples"] == 1000
    assert sorted(summary["metrics"]["per_class_accuracy"]) == [str(d) for d in range(10)]
    assert Path(summary["pushed_model"], "saved_model.pb").is_file()
    assert [Path(p).name for p in summary["plots"]] == ["learning_curve.png", "sample_predictions.png"]
    for plot in summary["plots"]:
        with Image.open(plot) as image:
            assert image.format == "PNG" and image.size[0] > 400
    assert list(Path(summary["tensorboard"]).rglob("events.out.tfevents.*"))


def test_predict_reads_npz_and_png_with_the_pushed_model(first, root, subset, tmp_path):
    _, arrays = subset
    images, labels = arrays["x_test"][:40], arrays["y_test"][:40]
    np.savez(tmp_path / "digits.npz", x_test=images)
    Image.fromarray(images[0]).save(tmp_path / "first.png")
    done = tfxflow("predict", "--model", str(root / "serving"), "--input", str(tmp_path / "digits.npz"),
                   "--input", str(tmp_path / "first.png"), "--json")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["input"] for line in lines[:2]] == [f"{tmp_path / 'digits.npz'}[0]", f"{tmp_path / 'digits.npz'}[1]"]
    digits = np.array([line["digit"] for line in lines])
    assert (digits[:40] == labels).mean() >= 0.85 and digits[40] == digits[0]
    assert all(0.1 <= line["probability"] <= 1.0 for line in lines)


def test_predict_refuses_a_wrong_shaped_image(first, root, tmp_path):
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(tmp_path / "big.png")
    done = tfxflow("predict", "--model", str(root / "serving"), "--input", str(tmp_path / "big.png"))
    assert done.returncode == 2 and done.stderr.strip().endswith("image is 32x32; expected 28x28 grayscale")


def test_unchanged_file_is_served_from_cache(first, root, subset):
    code, summary = run(root, subset[0])
    assert code == 0 and set(states(summary).values()) == {"cached"}
    assert summary["pushed_model"] == first[1]["pushed_model"]


def test_changed_file_is_reingested(first, root, subset, tmp_path):
    _, arrays = subset
    changed = dict(arrays, y_train=arrays["y_train"].copy())
    changed["y_train"][0] = (changed["y_train"][0] + 1) % 10  # one label: same size, new content
    path = tmp_path / "mnist.npz"
    np.savez_compressed(path, **changed)
    code, summary = run(root, path)
    assert code == 0 and states(summary)["NpzExampleGen"] == "ran" and states(summary)["Trainer"] == "ran"


def test_drift_command_compares_new_data_with_the_latest_successful_run(first, root, subset):
    done = tfxflow("drift", "pipelines/mnist.yaml", "--set", f"run.root={root}", "--data", str(subset[0]), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["baseline"].startswith("the training statistics of run ") and result["examples"] == 4000
    assert result["drifted"] is False and result["anomalies"] == []


def inverted(subset, directory: Path) -> Path:
    _, arrays = subset
    path = directory / "inverted.npz"
    np.savez(path, **{key: 255 - value if key.startswith("x") else value for key, value in arrays.items()})
    return path


def test_drifted_data_stops_before_training_when_declared(first, root, subset, tmp_path):
    code, summary = run(root, inverted(subset, tmp_path), "drift.fail_on_drift=true")
    assert code == 1 and states(summary)["DriftGate"] == "failed" and states(summary)["ExampleValidator"] == "ran"
    assert "Transform" not in states(summary) and "Trainer" not in states(summary)
    [failed] = [c for c in summary["components"] if c["state"] == "failed"]
    assert "drift in image (Jensen-Shannon divergence" in failed["error"] and summary["pushed_model"] is None


def test_drifted_data_is_trained_with_a_warning_by_default(first, root, subset, tmp_path):
    code, summary = run(root, inverted(subset, tmp_path))
    assert code == 0 and states(summary)["Trainer"] == "ran"
    assert summary["drift"].startswith("drift in image (Jensen-Shannon divergence")
    assert any(note.startswith("warning: the training data drifted from the previous") for note in summary["notes"])


def test_bad_file_fails_ingestion_and_writes_no_examples(first, root, subset, tmp_path):
    _, arrays = subset
    bad = dict(arrays, y_test=arrays["y_test"] + 5)
    path = tmp_path / "mnist.npz"
    np.savez(path, **bad)
    before = examples_artifacts(root)
    code, summary = run(root, path)
    assert code == 1 and summary["status"] == "failed"
    assert states(summary) == {"ImportSchemaGen": "cached", "NpzExampleGen": "failed"}
    [failed] = summary["components"][1:]
    assert failed["error"].endswith("y_test: labels range over 5..14; expected digits 0-9")
    assert examples_artifacts(root) == before and summary["pushed_model"] is None


def test_runs_lists_every_run_newest_first(first, root):
    done = tfxflow("runs", "pipelines/mnist.yaml", "--set", f"run.root={root}", "--json")
    assert done.returncode == 0, done.stderr
    runs = json.loads(done.stdout)
    assert [r["status"] for r in runs] == ["failed", "succeeded", "failed", "succeeded", "succeeded", "succeeded"]
    assert [r["run_id"] for r in runs] == sorted((r["run_id"] for r in runs), reverse=True)
    bad, warned, stopped, changed, rerun, first_run = runs
    assert warned["drift"].startswith("drift in image") and stopped["drift"] == "stopped the run " \
        "(drift.fail_on_drift)" and changed["drift"] == "none" and bad["drift"] is None
    assert first_run["drift"] == rerun["drift"] == "no baseline (no earlier successful run)"
    assert first_run["blessed"] is True and first_run["accuracy"] == pytest.approx(first[1]["metrics"]["accuracy"])
    assert first_run["pushed_version"] == Path(first[1]["pushed_model"]).name
    assert stopped["accuracy"] is None and stopped["pushed_version"] is None
