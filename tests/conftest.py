"""Shared test setup: Keras 2 for TFX, small pipeline files written per test, and the small baker
pipeline run once through the `tfxflow` CLI for every test that compares with a local run."""
import json
import os
import subprocess
import sys
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


def run_baker(root: Path, *overrides: str) -> tuple[int, dict, str]:
    """`tfxflow run pipelines/baker.yaml --json` at `root` with BAKER_SMALL and `overrides`."""
    args = [TFXFLOW, "run", "pipelines/baker.yaml", "--json", "--set", f"run.root={root}"]
    for override in [*BAKER_SMALL, *overrides]:
        args += ["--set", override]
    done = subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=900)
    summary = json.loads(done.stdout) if done.stdout.strip() else {}
    return done.returncode, summary, done.stderr


@pytest.fixture(scope="session")
def baker_root(tmp_path_factory):
    return tmp_path_factory.mktemp("baker")


@pytest.fixture(scope="session")
def baker_first_run(baker_root):
    """The first local run of the small baker pipeline: (exit code, summary, stderr)."""
    return run_baker(baker_root)


def baker_probabilities(model_dir: str | Path, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """A pushed baker model's probabilities for `n` fresh sequences (seed 12345), and their labels."""
    import tensorflow as tf

    from components.baker_example_gen.examples import to_examples
    from components.baker_example_gen.sequences import generate

    x, labels = generate(n, 100, np.random.default_rng(12345))
    serialized = tf.constant([example.SerializeToString() for example in to_examples(x, labels)])
    model = tf.saved_model.load(str(model_dir))
    return model.signatures["serving_default"](examples=serialized)["probabilities"].numpy(), labels


@pytest.fixture
def write_spec(tmp_path):
    """Writes YAML text to a pipeline file in tmp_path and returns its path."""

    def write(text: str, name: str = "pipeline.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
