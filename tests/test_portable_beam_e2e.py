"""Beam's portable runner with SDK workers in processes of their own, as Flink and Spark run Python: the
baker and MNIST pipelines' Beam jobs go to a job service, which hands their bundles to two workers, and
every output matches the DirectRunner's run of the same settings (tests/conftest.py's first runs).

- EXTERNAL: a Beam worker pool in its own process (Beam's worker_pool_main) starts each worker, as the pool
  beside each Flink task manager does.
- PROCESS: the runner starts each worker from a command. Beam's Python job service has no
  `beam:env:process:v1` (fn_api_runner/worker_handlers.py registers no handler for it: KeyError); its
  subprocess environment, `beam:env:harness_subprocess_python:v1`, starts workers the same way.

tests/beam_job_service.py is Beam's job service giving each job `--direct_num_workers` workers;
tests/beam_worker.py is the worker, logging under its id and process id each bundle it executes.
"""
import json
import math
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_transform as tft
from google.protobuf import json_format
from tensorflow_metadata.proto.v0 import statistics_pb2

from conftest import REPO, run_baker, run_mnist

pytestmark = pytest.mark.e2e

WORKERS = 2
WORKER = f"{sys.executable} {REPO / 'tests' / 'beam_worker.py'}"
BUNDLE = re.compile(r"^\S+ \S+ (\S+) pid (\d+) DEBUG Got work bundle_", re.M)


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(command: list[str], log: Path, port: int) -> subprocess.Popen:
    """`command` started with its output to `log`, once it accepts connections on `port`."""
    with open(log, "w") as stream:
        process = subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"{' '.join(command)} did not answer on port {port}: {log.read_text()[-2000:]}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def beam_services(tmp_path_factory):
    """The job service and the worker pool, each its own process: {"job_endpoint", "pool_endpoint",
    "job_log", "pool_log", "pids"}."""
    directory = tmp_path_factory.mktemp("beam_services")
    boot = directory / "boot"  # the pool runs a worker as an executable given the container's flags
    boot.write_text(f"#!/bin/sh\nexec {WORKER} \"$@\"\n")
    boot.chmod(0o755)
    job_port, pool_port = _port(), _port()
    services = {"job_endpoint": f"localhost:{job_port}", "pool_endpoint": f"localhost:{pool_port}",
                "job_log": directory / "job_service.log", "pool_log": directory / "worker_pool.log"}
    started = []
    try:
        started.append(_start([sys.executable, str(REPO / "tests" / "beam_job_service.py"), "--port", str(job_port)],
                              services["job_log"], job_port))
        started.append(_start([sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main",
                               f"--service_port={pool_port}", f"--container_executable={boot}"],
                              services["pool_log"], pool_port))
        services["pids"] = {process.pid for process in started}
        yield services
    finally:
        for process in started:
            process.terminate()
            process.wait(timeout=30)


ENVIRONMENTS = {
    "EXTERNAL": lambda services: ["--environment_type=EXTERNAL", f"--environment_config={services['pool_endpoint']}"],
    "PROCESS": lambda services: ["--environment_type=beam:env:harness_subprocess_python:v1",
                                 f"--environment_config={WORKER}"],
}
WORKER_LOG = {"EXTERNAL": "pool_log", "PROCESS": "job_log"}  # subprocess workers write to the job service's stderr


def portable_args(services: dict, environment: str) -> str:
    args = ["--runner=PortableRunner", f"--job_endpoint={services['job_endpoint']}",
            *ENVIRONMENTS[environment](services), f"--direct_num_workers={WORKERS}"]
    return f"beam.args=[{', '.join(args)}]"


def first_output(root: Path, component: str, key: str) -> Path:
    """The output `key` of `component`'s first execution under the run root `root`."""
    return min((root / "pipeline" / component / key).iterdir(), key=lambda path: int(path.name))


def statistics(root: Path, split: str) -> dict:
    """StatisticsGen's first statistics of `split`, as a dict, each dataset's features in name order."""
    path = first_output(root, "StatisticsGen", "statistics") / f"Split-{split}" / "FeatureStats.pb"
    stats = json_format.MessageToDict(statistics_pb2.DatasetFeatureStatisticsList.FromString(path.read_bytes()))
    for dataset in stats["datasets"]:
        dataset["features"].sort(key=lambda feature: json.dumps(feature["path"]))
    return stats


def assert_same(portable, local, where: str = "") -> None:
    """Equal, floats to 1e-12 relative: Beam's combiners on two workers add a mean's terms in another order."""
    if isinstance(local, dict):
        assert portable.keys() == local.keys(), where
        for key in local:
            assert_same(portable[key], local[key], f"{where}.{key}")
    elif isinstance(local, list):
        assert len(portable) == len(local), where
        for i, (p, q) in enumerate(zip(portable, local)):
            assert_same(p, q, f"{where}[{i}]")
    elif isinstance(local, float):
        assert math.isclose(portable, local, rel_tol=1e-12), (where, portable, local)
    else:
        assert portable == local, where


def transformed(root: Path, examples: str) -> dict[str, np.ndarray]:
    """The first Transform graph under `root` applied to the first 500 eval examples `examples` wrote."""
    files = sorted(str(path) for path in (first_output(root, examples, "examples") / "Split-eval").iterdir())
    raw = [record.numpy() for record in tf.data.TFRecordDataset(files, compression_type="GZIP").take(500)]
    graph = tft.TFTransformOutput(str(first_output(root, "Transform", "transform_graph")))
    features = tf.io.parse_example(raw, graph.raw_feature_spec())
    return {name: value.numpy() for name, value in graph.transform_features_layer()(features).items()}


def weights(root: Path) -> dict[str, np.ndarray]:
    """The numeric variables (weights, optimizer state) of the first model the Trainer wrote under `root`."""
    reader = tf.train.load_checkpoint(str(first_output(root, "Trainer", "model") / "Format-Serving" / "variables"
                                          / "variables"))
    tensors = {name: np.asarray(reader.get_tensor(name)) for name in reader.get_variable_to_shape_map()}
    return {name: value for name, value in tensors.items() if value.dtype.kind in "fiu"}


def assert_matches_the_direct_runner(portable: Path, local: Path, examples: str) -> None:
    for split in ("train", "eval"):
        assert_same(statistics(portable, split), statistics(local, split), split)
    ours, theirs = transformed(portable, examples), transformed(local, examples)
    assert ours.keys() == theirs.keys()
    for name in theirs:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=0, atol=1e-6, err_msg=name)
    ours, theirs = weights(portable), weights(local)
    assert ours.keys() == theirs.keys()
    assert len(theirs) > 4  # a model's kernels and biases at least
    for name in theirs:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=0, atol=1e-6, err_msg=name)


def bundles_by_worker(log: Path, start: int) -> dict[tuple[str, int], int]:
    """(worker id, process id) -> bundles it logged executing, in `log` after byte `start`."""
    counts: dict[tuple[str, int], int] = {}
    for worker, pid in BUNDLE.findall(log.read_bytes()[start:].decode(errors="replace")):
        counts[worker, int(pid)] = counts.get((worker, int(pid)), 0) + 1
    return counts


def run_on_workers(services: dict, environment: str, jobs: int, run) -> tuple[int, dict, str, dict]:
    """`run(beam_args)` on the job service and `environment`'s workers: exit code, summary, stderr, and
    the bundles each worker logged; the job service completed the Beam components' `jobs` jobs."""
    logs = {name: services[name].stat().st_size for name in ("job_log", "pool_log")}
    code, summary, stderr = run(portable_args(services, environment))
    log = services[WORKER_LOG[environment]]
    completed = services["job_log"].read_bytes()[logs["job_log"]:].decode(errors="replace").count("Completed job in")
    assert completed == jobs, services["job_log"].read_text()[-3000:]
    return code, summary, stderr, bundles_by_worker(log, logs[WORKER_LOG[environment]])


def assert_separate_workers(bundles: dict[tuple[str, int], int], services: dict, jobs: int) -> None:
    """Processes other than this one and the services executed the bundles of the `jobs` jobs, `WORKERS` a job."""
    pids = {pid for _, pid in bundles}
    assert len(pids) == jobs * WORKERS and not pids & {os.getpid(), *services["pids"]}, bundles


@pytest.mark.parametrize("environment", sorted(ENVIRONMENTS))
def test_baker_on_separate_workers_matches_the_direct_runner(beam_services, environment, tmp_path, baker_root,
                                                             baker_first_run):
    jobs = 3  # StatisticsGen, Transform (its z-scores' analyzers), Evaluator; BakerExampleGen runs no Beam job
    code, summary, stderr, bundles = run_on_workers(beam_services, environment, jobs,
                                                    lambda args: run_baker(tmp_path, args))
    assert code == 0, stderr[-3000:]
    assert summary["blessed"] is True and summary["pushed_model"]
    assert_separate_workers(bundles, beam_services, jobs)
    assert_matches_the_direct_runner(tmp_path, baker_root, "BakerExampleGen")
    # given Beam arguments, TFX packs itself for the workers (absent by default: test_baker_pipeline_e2e)
    assert "Attempting to infer TFX Python dependency" in next((tmp_path / "logs").iterdir()).read_text()


@pytest.mark.parametrize("environment", sorted(ENVIRONMENTS))
def test_mnist_on_separate_workers_matches_the_direct_runner(beam_services, environment, tmp_path,
                                                             mnist_retraining):
    data = tmp_path / "mnist.npz"  # the first run's data, which its path no longer holds
    np.savez_compressed(data, **mnist_retraining.arrays)
    root = tmp_path / "root"
    jobs = 2  # StatisticsGen, Evaluator: NpzExampleGen and Transform (pixels / 255, no analyzer) run no Beam job
    code, summary, stderr, bundles = run_on_workers(beam_services, environment, jobs,
                                                    lambda args: run_mnist(root, data, args))
    assert code == 0, stderr[-3000:]
    assert summary["blessed"] is True and summary["pushed_model"]
    assert_separate_workers(bundles, beam_services, jobs)
    assert_matches_the_direct_runner(root, mnist_retraining.root, "NpzExampleGen")
