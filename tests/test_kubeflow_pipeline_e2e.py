"""Scheduled retraining on Kubeflow Pipelines, end to end: the compiled MNIST pipeline run three times
by KFP 2.5's driver, launcher and cache as tests/kfp_local_executor.py emulates them (executor-logs
outputs, untyped input artifacts, cache keys from KFP's own fields).

As a recurring run would: run 1 trains and pushes; run 2 on unchanged data executes nothing but the
fingerprint and pushes nothing; run 3 with new data at the same URI re-ingests, retrains, compares
with the served model, pushes, and measures drift against the served model's training statistics.
The outcome must be the local schedule's (`mnist_retraining`), model for model.
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import MNIST_SMALL, MNIST_TRAIN_IMAGES, REPO, TFXFLOW, write_mnist
from kfp_local_executor import KfpBackend

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def scheduled(tmp_path_factory):
    """The three runs' executions by task, and the serving directory's versions after each."""
    work = tmp_path_factory.mktemp("kfp")
    data, serving, compiled = work / "data" / "mnist.npz", work / "serving", work / "mnist-kfp.yaml"
    overrides = [*MNIST_SMALL, f"ingest.path=file://{data}", f"pusher.serving_dir=file://{serving}",
                 "kubeflow.image=ghcr.io/acme/tfxflow:test", "kubeflow.pipeline_root=gs://acme/root",
                 # the cluster default is every core of the pod; one in-process worker is faster here
                 "kubeflow.beam_args=[--direct_running_mode=in_memory, --direct_num_workers=1]"]
    args = [TFXFLOW, "compile", "pipelines/mnist.yaml", "--output", str(compiled)]
    for override in overrides:
        args += ["--set", override]
    subprocess.run(args, check=True, cwd=REPO, capture_output=True, timeout=300)
    backend = KfpBackend(REPO, {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"})
    runs, served = [], []
    for number, images in enumerate([MNIST_TRAIN_IMAGES[0], MNIST_TRAIN_IMAGES[0], MNIST_TRAIN_IMAGES[1]]):
        write_mnist(data, images)  # run 2: the same arrays exported again; run 3: new data at the same URI
        runs.append(backend.run(compiled, str(work / "root"), work / "tasks" / str(number)))
        served.append(sorted((p.name for p in serving.iterdir()), key=int))
    return runs, served


def states(executions):
    return {task: execution.state for task, execution in executions.items()}


def metadata(executions, task, key):
    return executions[task].artifacts[key]["metadata"]


def test_first_run_trains_and_pushes(scheduled, mnist_retraining):
    runs, served = scheduled
    assert set(states(runs[0]).values()) == {"COMPLETE"}
    assert metadata(runs[0], "Evaluator", "blessing")["blessed"] == 1
    assert metadata(runs[0], "DriftGate", "drift")["drift"] == mnist_retraining.runs[0][1]["drift"]
    pushed = metadata(runs[0], "Pusher", "pushed_model")
    assert pushed["pushed"] == 1 and served[0] == [pushed["pushed_version"]]
    assert "executor-logs" in runs[0]["Trainer"].artifacts  # KFP's own output did not stop TFX's executor


def test_unchanged_data_executes_only_the_fingerprint_and_pushes_nothing(scheduled):
    runs, served = scheduled
    assert states(runs[1]) == {task: "COMPLETE" if task == "InputFingerprint" else "CACHED" for task in runs[1]}
    assert runs[1]["Pusher"].artifacts == runs[0]["Pusher"].artifacts and served[1] == served[0]


def test_new_data_at_the_same_uri_retrains_compares_with_the_served_model_and_pushes(scheduled, mnist_retraining):
    runs, served = scheduled
    assert {task for task, state in states(runs[2]).items() if state == "CACHED"} == {"ImportSchemaGen"}
    first = Path(metadata(runs[0], "Pusher", "pushed_model")["pushed_destination"].removeprefix("file://"))
    baseline = runs[2]["InputFingerprint"].parameters
    assert baseline["model_baseline"] == baseline["drift_baseline"] == f"file://{first}"
    assert metadata(runs[2], "Evaluator", "blessing")["baseline_model"] == f"file://{first}"
    drift = metadata(runs[2], "DriftGate", "drift")["drift"]
    assert drift == f"none (against the training data of served version {first.name})"
    assert mnist_retraining.runs[2][1]["drift"].startswith("none (against the training data of served version")
    pushed = metadata(runs[2], "Pusher", "pushed_model")
    assert pushed["pushed"] == 1 and served[2] == [first.name, pushed["pushed_version"]]
    assert (first / "saved_model.pb").is_file()  # evaluating against it left it intact


def test_each_pushed_model_predicts_as_the_local_schedules(scheduled, mnist_retraining):
    runs, _ = scheduled
    images = mnist_retraining.arrays["x_test"][:200]
    for number in (0, 2):
        on_kfp = metadata(runs[number], "Pusher", "pushed_model")["pushed_destination"].removeprefix("file://")
        local = mnist_retraining.runs[number][1]["pushed_model"]
        np.testing.assert_allclose(mnist_probabilities(on_kfp, images), mnist_probabilities(local, images), atol=1e-4)


def mnist_probabilities(model_dir: str, images: np.ndarray) -> np.ndarray:
    import tensorflow as tf

    from tfxflow.components.npz_example_gen.mnist_npz import to_serialized_examples

    signature = tf.saved_model.load(model_dir).signatures["serving_default"]
    return signature(examples=tf.constant(to_serialized_examples(images)))["probabilities"].numpy()
