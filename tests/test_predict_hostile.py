"""`tfxflow predict` on inputs and models it cannot use: one line each, exit 2."""
import numpy as np
import pytest
from click.testing import CliRunner

from pipelines.cli import main

pytestmark = pytest.mark.faults


def predict(model, *inputs):
    args = ["predict", "--model", str(model)]
    for path in inputs:
        args += ["--input", str(path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and result.stdout == "" and len(result.stderr.splitlines()) == 1, result.stderr
    return result.stderr.strip()


@pytest.fixture
def images(tmp_path):
    path = tmp_path / "digits.npz"
    np.savez(path, x_test=np.zeros((2, 28, 28), np.uint8))
    return path


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("photo.png", b"GIF89a not really", "not an image"),
        ("digits.npz", b"PK\x03\x04 truncated", "not a readable .npz file of images"),
        ("notes.txt", b"hello", "not an image"),
    ],
)
def test_inputs_that_are_not_images(tmp_path, images, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    assert expected in predict(tmp_path, path)


def test_an_npz_of_the_wrong_shape(tmp_path):
    path = tmp_path / "wrong.npz"
    np.savez(path, x_test=np.zeros((2, 32, 32), np.uint8))
    assert predict(tmp_path, path).endswith("shape (2, 32, 32); expected (N, 28, 28)")


def test_directories_that_are_not_pushed_models(tmp_path, images):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert predict(empty, images).endswith("no saved_model.pb and no numbered versions; expected a pushed model "
                                           "directory")
    corrupt = tmp_path / "serving" / "17"
    corrupt.mkdir(parents=True)
    (corrupt / "saved_model.pb").write_bytes(b"\x08\x96\x01garbage")
    assert predict(tmp_path / "serving", images).startswith(f"{corrupt}: not a pushed tfxflow model")


@pytest.mark.e2e
def test_a_baker_model_is_not_an_mnist_classifier(baker_first_run, images):
    assert predict(baker_first_run[1]["pushed_model"], images).startswith(
        "the model does not classify MNIST images (Name: <unknown>, Feature: x")
