"""Image files for `tfxflow predict` (pipelines/ingest/mnist_digits.py): the model is given digits as MNIST draws
them, light on dark, whether the file is 8- or 16-bit, a canvas export with the digit in alpha, or
dark on light; sizes and modes it cannot use are refused from the header, before decoding."""
import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from test_npz_stream import mean_digit_model  # noqa: F401 (a fixture)

from tfxflow.pipelines.cli import main
from tfxflow.pipelines.ingest.mnist_digits import check_digits, read_digits
from tfxflow.pipelines.model_inputs import PredictError


def digit() -> np.ndarray:
    """A light stroke on black, with gray levels from 60 to 255 (no two rows alike)."""
    image = np.zeros((28, 28), np.uint8)
    image[4:24, 12:16] = np.linspace(60, 255, 20).astype(np.uint8)[:, None]
    image[4:8, 8:20] = 255
    return image


def saved(path, array, mode=None):
    Image.fromarray(array, mode).save(path)
    return path


def seen(path) -> tuple[np.ndarray, bool, bool, list[str]]:
    """What the model is given for one image file: its pixels, whether inverted, whether read from alpha,
    and the notices."""
    [batch] = read_digits(path)
    return batch.images[0], bool(batch.inverted[0]), bool(batch.alpha[0]), list(batch.notices)


def test_an_8_bit_light_digit_is_given_as_it_is(tmp_path):
    pixels, inverted, alpha, notices = seen(saved(tmp_path / "seven.png", digit()))
    np.testing.assert_array_equal(pixels, digit())
    assert not inverted and not alpha and notices == []


@pytest.mark.parametrize("name, dtype, mode", [("deep.png", np.uint16, "I;16"), ("deep.tif", np.int32, "I")])
def test_16_bit_gray_is_scaled_to_0_255(tmp_path, name, dtype, mode):
    path = saved(tmp_path / name, digit().astype(dtype) * 257)  # 255 -> 65535
    with Image.open(path) as image:
        assert image.mode == mode
    np.testing.assert_array_equal(seen(path)[0], digit())


def test_32_bit_values_are_refused(tmp_path):
    path = saved(tmp_path / "wide.tif", digit().astype(np.int32) * 1000)
    with pytest.raises(PredictError, match=r"wide.tif: pixel values range over 0\.\.255000; expected 16-bit 0-65535"):
        check_digits(path)


def test_a_canvas_export_with_the_digit_in_alpha_is_read_from_alpha(tmp_path):
    rgba = np.zeros((28, 28, 4), np.uint8)  # black strokes: RGB constant, the shape only in alpha
    rgba[..., 3] = digit()
    path = saved(tmp_path / "canvas.png", rgba, "RGBA")
    pixels, inverted, alpha, notices = seen(path)
    np.testing.assert_array_equal(pixels, digit())
    assert alpha and not inverted
    assert notices == [f"{path}: the digit is drawn in the alpha channel (one colour); read alpha as the intensity"]


def test_dark_strokes_on_a_light_transparent_background_are_read_from_colour_and_inverted(tmp_path):
    rgba = np.repeat(255 - digit()[..., None], 4, axis=2)
    rgba[..., 3] = np.where(digit() > 0, 255, 0)
    pixels, inverted, alpha, _ = seen(saved(tmp_path / "strokes.png", rgba, "RGBA"))
    np.testing.assert_array_equal(pixels, digit())
    assert inverted and not alpha


def test_an_opaque_rgba_image_is_read_from_its_colour(tmp_path):
    rgba = np.repeat(digit()[..., None], 4, axis=2)
    rgba[..., 3] = 255
    pixels, inverted, alpha, _ = seen(saved(tmp_path / "opaque.png", rgba, "RGBA"))
    np.testing.assert_array_equal(pixels, digit())
    assert not inverted and not alpha


def test_a_dark_digit_on_a_light_background_is_inverted_with_a_notice(tmp_path):
    path = saved(tmp_path / "paper.png", 255 - digit())
    pixels, inverted, alpha, notices = seen(path)
    np.testing.assert_array_equal(pixels, digit())
    assert inverted and not alpha
    assert notices == [f"{path}: dark digit on a light background; inverted (MNIST digits are light on dark)"]


def test_inversion_is_in_the_json_lines_and_a_notice_on_stderr(tmp_path, mean_digit_model):  # noqa: F811
    light, dark = saved(tmp_path / "light.png", digit()), saved(tmp_path / "paper.png", 255 - digit())
    result = CliRunner().invoke(main, ["predict", "--model", str(mean_digit_model), "--input", str(light),
                                       "--input", str(dark), "--json"])
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["input"], line["inverted"]) for line in lines] == [(str(light), False), (str(dark), True)]
    assert lines[0]["digit"] == lines[1]["digit"]  # the model saw the same pixels
    assert result.stderr.splitlines() == [f"notice: {dark}: dark digit on a light background; inverted (MNIST "
                                          "digits are light on dark)"]


def test_sizes_other_than_28x28_are_refused_from_the_header(tmp_path):
    path = saved(tmp_path / "big.png", np.zeros((32, 40), np.uint8))
    data = path.read_bytes()
    idat = data.index(b"IDAT")
    path.write_bytes(data[: idat + 8])  # its pixels cut off: decoding them would fail differently
    with pytest.raises(PredictError) as refused:
        check_digits(path)
    assert str(refused.value) == f"{path}: image is 40x32; expected 28x28 grayscale"


def test_modes_without_a_known_range_are_refused(tmp_path):
    path = saved(tmp_path / "float.tif", digit().astype(np.float32))
    with pytest.raises(PredictError) as refused:
        check_digits(path)
    assert str(refused.value) == f"{path}: image mode F; expected grayscale, RGB(A), palette or 16-bit"


def test_a_truncated_28x28_png_is_not_an_image(tmp_path):
    path = saved(tmp_path / "cut.png", digit())
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b"IDAT") + 12])
    with pytest.raises(PredictError, match=r"cut.png: not an image \("):
        check_digits(path)
