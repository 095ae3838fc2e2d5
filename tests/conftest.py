"""Shared test setup: Keras 2 for TFX, small pipeline files written per test, the small baker
pipeline run once through the `tfxflow` CLI for every test that compares with a local run, and
scheduled retraining of the MNIST pipeline run locally once, for its tests and the Kubeflow ones."""
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO = Path(__file__).resolve().parent.parent
TFXFLOW = str(Path(sys.executable).with_name("tfxflow"))
# Small enough for ~40 s, large enough for the conv model to reach 1.0 accuracy.
BAKER_SMALL = ["ingest.examples=2000", "ingest.eval_examples=500", "trainer.model=conv", "trainer.epochs=3",
               "evaluator.min_accuracy=0.99"]


def problems(path: Path, overrides: tuple[str, ...] = ()) -> list[str]:
    """The lines of the SpecError that loading the pipeline file at `path` with `overrides` raises."""
    from tfxflow.pipelines.load import SpecError, load_spec

    with pytest.raises(SpecError) as raised:
        load_spec(path, overrides)
    return str(raised.value).splitlines()


def copy_project(parent: Path) -> Path:
    """A copy of this project's package at `parent`/tfxflow: with `parent` first on the path, its
    modules are imported instead of the installed ones."""
    copy = parent / "tfxflow"
    for part in ("pipelines", "components", "schemas"):
        shutil.copytree(REPO / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "__init__.py", copy)
    return copy


def run_baker(root: Path, *overrides: str, project: Path = REPO, workdir: Path | None = None,
              options: tuple[str, ...] = ()) -> tuple[int, dict, str]:
    """`tfxflow run pipelines/baker.yaml --json` at `root` with BAKER_SMALL and `overrides` (and more
    `options`), run in `workdir` (default: the project) with the code of `project` (a `copy_project`: its
    modules are imported, not the installed ones)."""
    command = [TFXFLOW] if project == REPO else [sys.executable, "-c",
                                                 "from tfxflow.pipelines.cli import entry; entry()"]
    args = [*command, "run", str(project / "pipelines" / "baker.yaml"), "--json", *options, "--set", f"run.root={root}"]
    for override in [*BAKER_SMALL, *overrides]:
        args += ["--set", override]
    env = os.environ if project == REPO else {**os.environ, "PYTHONPATH": str(project.parent)}
    done = subprocess.run(args, capture_output=True, text=True, cwd=workdir or project, env=env, timeout=900)
    summary = json.loads(done.stdout) if done.stdout.strip() else {}
    return done.returncode, summary, done.stderr


@pytest.fixture(scope="session")
def baker_root(tmp_path_factory):
    return tmp_path_factory.mktemp("baker")


@pytest.fixture(scope="session")
def baker_schema(tmp_path_factory):
    """A copy of the curated baker schema that the baker runs on `baker_root` read (and one test edits)."""
    path = tmp_path_factory.mktemp("schema") / "schema.pbtxt"
    path.write_text((REPO / "schemas" / "baker" / "schema.pbtxt").read_text())
    return path


@pytest.fixture(scope="session")
def baker_first_run(baker_root, baker_schema):
    """The first local run of the small baker pipeline: (exit code, summary, stderr)."""
    return run_baker(baker_root, f"schema_file={baker_schema}")


SHARED_MNIST = REPO.parent / "shared" / "data" / "mnist.npz"
# Real MNIST images, few enough for a run of about a minute; the second batch of data adds 3,000.
MNIST_SMALL = ["trainer.epochs=3", "evaluator.min_accuracy=0.85"]
MNIST_TRAIN_IMAGES = (3000, 6000)
MNIST_TEST_IMAGES = 1000


def write_mnist(path: Path, train_images: int) -> dict[str, np.ndarray]:
    """The first `train_images` training and MNIST_TEST_IMAGES test images of the shared MNIST, as an npz."""
    with np.load(SHARED_MNIST, allow_pickle=False) as mnist:
        arrays = {"x_train": mnist["x_train"][:train_images], "y_train": mnist["y_train"][:train_images],
                  "x_test": mnist["x_test"][:MNIST_TEST_IMAGES], "y_test": mnist["y_test"][:MNIST_TEST_IMAGES]}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    return arrays


def run_mnist(root: Path, npz: Path, *overrides: str) -> tuple[int, dict, str]:
    """`tfxflow run pipelines/mnist.yaml --json` at `root` on `npz` with MNIST_SMALL and `overrides`."""
    args = [TFXFLOW, "run", "pipelines/mnist.yaml", "--json", "--set", f"run.root={root}",
            "--set", f"ingest.path={npz}"]
    for override in [*MNIST_SMALL, *overrides]:
        args += ["--set", override]
    done = subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=900)
    summary = json.loads(done.stdout) if done.stdout.strip() else {}
    return done.returncode, summary, done.stderr


@dataclass
class Retraining:
    """Three runs on one root of the pipeline reading one file: first, unchanged, new data in place."""

    root: Path
    data: Path
    arrays: dict[str, np.ndarray]  # the first data's
    runs: list[tuple[int, dict, str]]  # (exit code, summary, stderr) of each run


@pytest.fixture(scope="session")
def mnist_retraining(tmp_path_factory):
    """Scheduled retraining, locally: `tfxflow run` three times as a schedule would, the data at one path."""
    directory = tmp_path_factory.mktemp("retraining")
    root, data = directory / "root", directory / "data" / "mnist.npz"
    first = write_mnist(data, MNIST_TRAIN_IMAGES[0])
    runs = [run_mnist(root, data)]
    write_mnist(data, MNIST_TRAIN_IMAGES[0])  # the same arrays exported again: a new file, not new data
    runs.append(run_mnist(root, data))
    write_mnist(data, MNIST_TRAIN_IMAGES[1])  # new data at the same path
    runs.append(run_mnist(root, data))
    return Retraining(root, data, first, runs)


@pytest.fixture(scope="session")
def s3():
    """A real S3 API server for the session (tests/s3_server.py), its AWS variables set in this process
    too (tensorflow-io's S3 filesystem reads its configuration once per process)."""
    from s3_server import S3Server

    with S3Server() as server:
        os.environ.update(server.env)
        yield server


_exit_status: dict[str, int] = {}


def pytest_sessionfinish(session, exitstatus):
    _exit_status["code"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """A session that used S3 in-process ends through object_store.exit_process: tensorflow-io's S3
    filesystem would otherwise abort the interpreter at exit (134) after pytest's own summary."""
    from tfxflow.components import object_store

    if object_store.s3_used() and "code" in _exit_status:
        object_store.exit_process(_exit_status["code"])


def baker_probabilities(model_dir: str | Path, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """A pushed baker model's probabilities for `n` fresh sequences (seed 12345), and their labels."""
    import tensorflow as tf

    from tfxflow.components.baker_example_gen.examples import to_examples
    from tfxflow.components.baker_example_gen.sequences import generate

    x, labels = generate(n, 100, np.random.default_rng(12345))
    serialized = tf.constant([example.SerializeToString() for example in to_examples(x, labels)])
    model = tf.saved_model.load(str(model_dir))
    return model.signatures["serving_default"](examples=serialized)["probabilities"].numpy(), labels


def kernel_shapes(model_dir: str | Path) -> set[tuple[int, ...]]:
    """The shapes of a SavedModel's trainable variables: which architecture was trained."""
    import tensorflow as tf

    return {tuple(variable.shape) for variable in tf.saved_model.load(str(model_dir)).trainable_variables}


@pytest.fixture
def write_spec(tmp_path):
    """Writes YAML text to a pipeline file in tmp_path and returns its path."""

    def write(text: str, name: str = "pipeline.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
