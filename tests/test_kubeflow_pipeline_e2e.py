"""The compiled KFP v2 spec executes: every task's container command run as the KFP launcher would.

No cluster runs here, so tests/kfp_local_executor.py plays the launcher. The baker pipeline, compiled
with `tfxflow compile` and executed task by task, must push a model that predicts as the local
run's model does.
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import BAKER_SMALL, REPO, TFXFLOW, baker_probabilities
from kfp_local_executor import execute, local_env

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def kfp_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("kfp")
    compiled = work / "baker-kfp.yaml"
    overrides = [*BAKER_SMALL, "kubeflow.image=ghcr.io/acme/tfxflow:test", "kubeflow.pipeline_root=gs://acme/root",
                 f"pusher.serving_dir=file://{work / 'serving'}",
                 # the cluster default is every core of the pod; one in-process worker is faster here
                 "kubeflow.beam_args=[--direct_running_mode=in_memory, --direct_num_workers=1]"]
    args = [TFXFLOW, "compile", "pipelines/baker.yaml", "--target", "kubeflow", "--output", str(compiled)]
    for override in overrides:
        args += ["--set", override]
    subprocess.run(args, check=True, cwd=REPO, capture_output=True, timeout=300)
    outputs = execute(compiled, work / "pipeline_root", REPO, local_env(Path(sys.executable).parent))
    return work, outputs


def test_every_task_runs_and_the_blessed_model_is_pushed(kfp_run):
    work, outputs = kfp_run
    assert set(outputs) == {"BakerExampleGen", "ImportSchemaGen", "StatisticsGen", "ExampleValidator",
                            "previous_statistics_resolver", "DriftGate", "Transform", "Trainer",
                            "baseline_model_resolver-model-blessing-resolver",
                            "baseline_model_resolver-model-resolver", "Evaluator", "Pusher"}
    assert outputs["baseline_model_resolver-model-resolver"] == {"model": []}  # a first run: no baseline
    [drift] = outputs["DriftGate"]["drift"]
    assert drift["metadata"]["drift"] == "no baseline (no earlier successful run)"
    [blessing] = outputs["Evaluator"]["blessing"]
    assert blessing["metadata"]["blessed"] == 1
    [pushed] = outputs["Pusher"]["pushed_model"]
    assert pushed["metadata"]["pushed"] == 1
    destination = Path(pushed["metadata"]["pushed_destination"].removeprefix("file://"))
    assert destination.parent == work / "serving" and (destination / "saved_model.pb").is_file()


def test_pushed_model_predicts_like_the_local_runs_model(kfp_run, baker_first_run):
    _, outputs = kfp_run
    code, summary, _ = baker_first_run
    assert code == 0 and summary["pushed_model"]
    [pushed] = outputs["Pusher"]["pushed_model"]
    on_kfp, labels = baker_probabilities(pushed["metadata"]["pushed_destination"].removeprefix("file://"))
    local, _ = baker_probabilities(summary["pushed_model"])
    np.testing.assert_allclose(on_kfp, local, atol=1e-4)
    assert (on_kfp.argmax(axis=1) == labels).mean() >= 0.99
