"""Scheduled retraining on Kubeflow Pipelines where a default install keeps everything, its own S3
store (`minio://`), end to end: the compiled MNIST pipeline run three times by KFP's driver,
launcher and cache as tests/kfp_local_executor.py emulates them, at 2.17.0 (and its first two runs at
2.5.0), against a real S3 API server (tests/s3_server.py) holding the pipeline root, the data and the
serving directory.

As a recurring run would: run 1 trains and pushes; run 2 on unchanged data (the same arrays
uploaded again) executes nothing but the fingerprint and pushes nothing; run 3 with new data at
the same key re-ingests, retrains, compares with the served model, pushes, and measures drift
against the served model's training statistics. The pods get the store's endpoint from the compiled
spec and its credentials from the Kubernetes secret through the platform spec, nothing else; the
outcome must be the local schedule's (`mnist_retraining`), model for model.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import MNIST_SMALL, MNIST_TRAIN_IMAGES, REPO, TFXFLOW, write_mnist
from kfp_local_executor import KFP_2_17, KFP_2_5, KfpBackend, S3Bucket

pytestmark = pytest.mark.e2e

BUCKET = "mlpipeline"  # KFP's own bucket (minio://mlpipeline/v2/artifacts is its default root)
ROOT = f"minio://{BUCKET}/v2/artifacts"
DATA, SERVING = "data/mnist.npz", "serving/mnist"
SECRET = "mlpipeline-minio-artifact"


@pytest.fixture(scope="module", params=[KFP_2_17, KFP_2_5], ids=lambda profile: f"kfp-{profile.version}")
def scheduled(request, s3, tmp_path_factory):
    """The three runs' executions by task, and the serving versions listed from the bucket after each."""
    profile = request.param
    work = tmp_path_factory.mktemp(f"kfp-{profile.version}")
    bucket = f"{BUCKET}-{profile.version.replace('.', '-')}"  # each profile its own store
    s3.create_bucket(bucket)
    compiled = work / "mnist-kfp.yaml"
    overrides = [*MNIST_SMALL, f"ingest.path=minio://{bucket}/{DATA}", f"pusher.serving_dir=minio://{bucket}/{SERVING}",
                 "kubeflow.image=ghcr.io/acme/tfxflow:test", f"kubeflow.pipeline_root=minio://{bucket}/v2/artifacts",
                 f"kubeflow.object_store.endpoint={s3.endpoint}",
                 # the cluster default is every core of the pod; one in-process worker is faster here
                 "kubeflow.beam_args=[--direct_running_mode=in_memory, --direct_num_workers=1]"]
    args = [TFXFLOW, "compile", "pipelines/mnist.yaml", "--output", str(compiled)]
    for override in overrides:
        args += ["--set", override]
    subprocess.run(args, check=True, cwd=REPO, capture_output=True, timeout=300)
    # A pod has the image's environment and what the spec gives it, none of this test's AWS variables.
    pod_env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "S3_"))}
    pod_env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    backend = KfpBackend(REPO, pod_env, S3Bucket(s3.endpoint, s3.access_key, s3.secret_key, bucket), profile,
                         secrets={SECRET: {"accesskey": s3.access_key, "secretkey": s3.secret_key}})
    runs, served = [], []
    # The older release runs the first two: what differs between the releases (the launcher's paths, the
    # output names in the cache key) shows in a first run and a cached one; run 3 would retrain again.
    images_of_runs = [MNIST_TRAIN_IMAGES[0], MNIST_TRAIN_IMAGES[0], MNIST_TRAIN_IMAGES[1]]
    for images in images_of_runs if profile is KFP_2_17 else images_of_runs[:2]:
        # run 2: the same arrays exported again; run 3: new data at the same key
        write_mnist(work / "mnist.npz", images)
        s3.client().upload_file(str(work / "mnist.npz"), bucket, DATA)
        runs.append(backend.run(compiled, f"minio://{bucket}/v2/artifacts"))
        served.append(sorted({key.split("/")[2] for key in s3.keys(bucket, SERVING + "/")}, key=int))
    return profile, bucket, runs, served


def states(executions):
    return {task: execution.state for task, execution in executions.items()}


def metadata(executions, task, key):
    return executions[task].artifacts[key]["metadata"]


def test_first_run_trains_and_pushes_into_the_bucket(scheduled, s3, mnist_retraining):
    profile, bucket, runs, served = scheduled
    assert set(states(runs[0]).values()) == {"COMPLETE"}
    assert metadata(runs[0], "Evaluator", "blessing")["blessed"] == 1
    assert metadata(runs[0], "DriftGate", "drift")["drift"] == mnist_retraining.runs[0][1]["drift"]
    pushed = metadata(runs[0], "Pusher", "pushed_model")
    assert pushed["pushed"] == 1 and served[0] == [pushed["pushed_version"]]
    assert pushed["pushed_destination"] == f"s3://{bucket}/{SERVING}/{pushed['pushed_version']}"
    version = f"{SERVING}/{pushed['pushed_version']}/"
    assert {"saved_model.pb", "variables/variables.index", "assets.extra/tfxflow.json",
            "assets.extra/train_statistics.pb"} <= {key[len(version):] for key in s3.keys(bucket, version)}


def test_every_artifact_is_in_the_bucket_where_kfp_recorded_it(scheduled, s3):
    """Each output the launcher recorded lies under the run's root in the bucket (listed through the S3
    API), so the next task's launcher can download it; KFP's own executor-logs among them. Object
    stores have no folders: an artifact that held no file would have no object at all, so each of
    tfxflow's components writes one (the first run's drift verdict, with no baseline yet, too)."""
    profile, bucket, runs, _ = scheduled
    keys = s3.keys(bucket, "v2/artifacts/")
    for task, execution in runs[0].items():
        for key, artifact in execution.artifacts.items():
            assert artifact["uri"].startswith(f"minio://{bucket}/v2/artifacts/mnist/"), (task, key)
            object_key = artifact["uri"].split(f"minio://{bucket}/", 1)[1]
            assert any(k == object_key or k.startswith(object_key + "/") for k in keys), (task, key, artifact["uri"])
            assert json.loads(artifact["metadata"]["store_session_info"])["Provider"] == "minio"
    logs = runs[0]["Trainer"].artifacts["executor-logs"]["uri"]
    assert logs.endswith("/executor-logs-0" if profile.logs_retry_suffix else "/executor-logs")
    examples = runs[0]["NpzExampleGen"].artifacts["examples"]["uri"].split(f"minio://{bucket}/", 1)[1]
    assert any(k.startswith(f"{examples}/Split-train/") for k in keys)


def test_the_pods_reached_the_store_only_through_the_compiled_spec(scheduled):
    """The endpoint came from the container env and the keys from the secret (secretAsEnv): no task
    saw this test's own AWS variables, yet the data and the serving directory were read and written."""
    _, _, runs, _ = scheduled
    fingerprint = runs[0]["InputFingerprint"].executor_input
    assert "AWS_ACCESS_KEY_ID" not in json.dumps(fingerprint)  # credentials never travel in the ExecutorInput
    assert runs[0]["InputFingerprint"].parameters["data"]  # it hashed the npz in the bucket


def test_unchanged_data_executes_only_the_fingerprint_and_pushes_nothing(scheduled):
    _, _, runs, served = scheduled
    assert states(runs[1]) == {task: "COMPLETE" if task == "InputFingerprint" else "CACHED" for task in runs[1]}
    assert runs[1]["Pusher"].artifacts == runs[0]["Pusher"].artifacts and served[1] == served[0]


def test_new_data_at_the_same_key_retrains_compares_with_the_served_model_and_pushes(scheduled, s3,
                                                                                      mnist_retraining):
    profile, bucket, runs, served = scheduled
    if len(runs) < 3:
        pytest.skip(f"KFP {profile.version} runs the first two runs only (see `scheduled`)")
    assert {task for task, state in states(runs[2]).items() if state == "CACHED"} == {"ImportSchemaGen"}
    first = metadata(runs[0], "Pusher", "pushed_model")["pushed_destination"]
    baseline = runs[2]["InputFingerprint"].parameters
    assert baseline["model_baseline"] == baseline["drift_baseline"] == first
    assert metadata(runs[2], "Evaluator", "blessing")["baseline_model"] == first
    drift = metadata(runs[2], "DriftGate", "drift")["drift"]
    assert drift == f"none (against the training data of served version {first.rsplit('/', 1)[1]})"
    assert mnist_retraining.runs[2][1]["drift"].startswith("none (against the training data of served version")
    pushed = metadata(runs[2], "Pusher", "pushed_model")
    assert pushed["pushed"] == 1 and served[2] == [first.rsplit("/", 1)[1], pushed["pushed_version"]]
    assert f"{SERVING}/{first.rsplit('/', 1)[1]}/saved_model.pb" in s3.keys(bucket, SERVING)  # left intact


def test_each_pushed_model_predicts_as_the_local_schedules(scheduled, s3, mnist_retraining, tmp_path):
    _, bucket, runs, _ = scheduled
    images = mnist_retraining.arrays["x_test"][:200]
    for number in range(0, len(runs), 2):  # runs 1 and 3 pushed
        version = metadata(runs[number], "Pusher", "pushed_model")["pushed_version"]
        local = tmp_path / str(number)
        for key in s3.keys(bucket, f"{SERVING}/{version}/"):
            target = local / key[len(f"{SERVING}/{version}/"):]
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.client().download_file(bucket, key, str(target))
        expected = mnist_retraining.runs[number][1]["pushed_model"]
        np.testing.assert_allclose(mnist_probabilities(str(local), images), mnist_probabilities(expected, images),
                                   atol=1e-4)


def mnist_probabilities(model_dir: str, images: np.ndarray) -> np.ndarray:
    import tensorflow as tf

    from tfxflow.components.npz_example_gen.mnist_npz import to_serialized_examples

    signature = tf.saved_model.load(model_dir).signatures["serving_default"]
    return signature(examples=tf.constant(to_serialized_examples(images)))["probabilities"].numpy()
