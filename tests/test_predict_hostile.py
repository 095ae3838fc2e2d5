"""`tfxflow predict` on inputs and models it cannot use: one line each, exit 2; the inputs that claim
gigabytes are refused before the model loads, in bounded time and memory."""
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from test_npz_hostile import claiming, float64_zeros, measured, mnist_like, npy, patched

from test_npz_stream import mean_digit_model  # noqa: F401 (a fixture)
from tfxflow.pipelines.cli import main

pytestmark = pytest.mark.faults
PREDICT = "from pipelines.cli import main; main()"


def predict(model, *inputs):
    args = ["predict", "--model", str(model)]
    for path in inputs:
        args += ["--input", str(path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and result.stdout == "" and len(result.stderr.splitlines()) == 1, result.stderr
    return result.stderr.strip()


def first_model(parent: Path) -> Path:
    """A pushed version with no input schema beside it (MNIST's layout, as tfxflow's first models); never
    loaded, since the inputs given with it are refused first."""
    version = parent / "model" / "1"
    version.mkdir(parents=True, exist_ok=True)
    (version / "saved_model.pb").write_bytes(b"")
    return version


@pytest.fixture
def images(tmp_path):
    path = tmp_path / "digits.npz"
    np.savez(path, x_test=np.zeros((2, 28, 28), np.uint8))
    return path


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("photo.png", b"GIF89a not really", "not an image"),
        ("digits.npz", b"PK\x03\x04 truncated", "not a readable .npz file"),
        ("notes.txt", b"hello", "not an image"),
    ],
)
def test_inputs_that_are_not_images(tmp_path, images, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    assert expected in predict(first_model(tmp_path), path)


def test_an_npz_of_the_wrong_shape(tmp_path):
    path = tmp_path / "wrong.npz"
    np.savez(path, x_test=np.zeros((2, 32, 32), np.uint8))
    assert predict(first_model(tmp_path), path).endswith("shape (2, 32, 32); expected (N, 28, 28)")


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
    assert predict(baker_first_run[1]["pushed_model"], images) == (  # the baker kind reads TFRecords
        f"{images}: not a TFRecord file (no record header at its start); expected TFRecords of tf.Examples (a file, "
        ".gz or a directory)")


def test_one_unusable_input_is_reported_and_the_others_are_classified(tmp_path, images, mean_digit_model):  # noqa: F811
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"hello")
    result = CliRunner().invoke(main, ["predict", "--model", mean_digit_model, "--input", str(images),
                                       "--input", str(bad), "--input", str(images)])
    assert result.exit_code == 2 and result.stderr.strip().startswith(f"{bad}: not an image")
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [f"{images}[0]", f"{images}[1]"] * 2


def zeros_png(path: Path, width: int, height: int, mode: str) -> Path:
    """A black `mode` ("L" or "RGBA") PNG, deflated a block of rows at a time: 20000x20000 costs a second."""
    channels, colour_type = {"L": (1, 0), "RGBA": (4, 6)}[mode]
    row = 1 + width * channels  # a filter byte, then the pixels
    rows = max(1, (1 << 22) // row)
    deflate, idat = zlib.compressobj(1), bytearray()
    for start in range(0, height, rows):
        idat += deflate.compress(bytes(row * min(rows, height - start)))
    idat += deflate.flush()
    chunks = [(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)), (b"IDAT", idat),
              (b"IEND", b"")]
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"".join(
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        for kind, data in chunks))
    return path


def refused(model: Path, path: Path) -> tuple[str, float, float]:
    """`tfxflow predict` in a measured child: its one line (exit 2), wall seconds and peak MB."""
    code, stderr, seconds, peak = measured(PREDICT, "predict", "--model", model, "--input", path)
    assert code == 2 and len(stderr.splitlines()) == 1, stderr
    return stderr.strip(), seconds, peak


@pytest.mark.parametrize(
    "build, expected",
    [
        (lambda path: float64_zeros(path, "x_test", gigabytes=0.4), "x_test: images have dtype float64; expected "
                                                                    "uint8 pixels 0-255"),
        (lambda path: claiming(path, "x_test", gigabytes=20), "x_test: zip entry declares 20,000,000,064 bytes from "),
        (lambda path: zeros_png(path.with_suffix(".png"), 20000, 20000, "L"), "image is over 178,956,970 pixels; "
                                                                               "expected 28x28 grayscale"),
        (lambda path: zeros_png(path.with_suffix(".png"), 13000, 13000, "RGBA"), "image is 13000x13000; expected "
                                                                                  "28x28 grayscale"),
    ],
    ids=["6.3-GB-float64-zeros-at-0.4-GB", "20-GB-zip-entry", "20000x20000-png", "13000x13000-rgba-png"],
)
def test_inputs_claiming_gigabytes_are_refused_before_decoding(tmp_path, build, expected):
    path = build(tmp_path / "hostile.npz")
    message, seconds, peak = refused(first_model(tmp_path), path)  # never loaded: inputs are checked first
    assert message.startswith(f"{path}: {expected}")
    assert seconds < 5 and peak < 300, (seconds, peak)


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"flags": 0x1}, "x_test: encrypted; expected an unencrypted .npz"),
        ({"method": 99}, "x_test: zip compression method 99; expected stored or deflate"),
    ],
)
def test_zip_entries_numpy_does_not_write_are_one_line(tmp_path, fields, expected):
    path = patched(mnist_like(tmp_path / "digits.npz"), "x_test.npy", **fields)
    assert predict(first_model(tmp_path), path).startswith(f"{path}: {expected}")


def test_images_in_a_member_named_without_npy_are_one_line(tmp_path):
    path = tmp_path / "digits.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x_test", npy(np.zeros((2, 28, 28), np.uint8)))
    assert predict(first_model(tmp_path), path) == (
        f"{path}: x_test: a zip member named 'x_test'; expected 'x_test.npy' (as numpy.savez names it)")
