"""A TensorFlow command prints no XLA "Unable to register cuFFT/cuDNN/cuBLAS factory" lines, even where the
user's environment does not quiet TensorFlow (these tests' own environment does, so it is removed here);
importing TensorFlow without tfxflow's setting prints them on this machine."""
import os
import subprocess
import sys

from conftest import REPO, TFXFLOW

NOISE = "Unable to register"


def loud_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name != "TF_CPP_MIN_LOG_LEVEL"}


def test_importing_tensorflow_unquieted_prints_the_lines_the_commands_must_not():
    done = subprocess.run([sys.executable, "-c", "import tensorflow"], capture_output=True, text=True,
                          env=loud_environment(), timeout=300)
    assert done.returncode == 0 and NOISE in done.stderr


def test_a_tensorflow_command_prints_none_of_them(tmp_path):
    done = subprocess.run([TFXFLOW, "schema", "infer", "pipelines/baker.yaml", "--set", "ingest.examples=200",
                           "--output", str(tmp_path / "schema.pbtxt")], capture_output=True, text=True, cwd=REPO,
                          env=loud_environment(), timeout=300)
    assert done.returncode == 0, done.stderr
    assert NOISE not in done.stderr and "cuda" not in done.stderr.lower(), done.stderr
