"""What an MNIST model is given by `tfxflow predict` (the mnist kind's prediction_examples): the images
of an npz (uint8 N x 28 x 28) or a 28 x 28 image file, as MNIST draws digits.

    check_digits(Path("seven.png"))                   # before the model loads: headers; a PNG decoded
    for digits in read_digits(Path("digits.npz")):    # Digits: BATCH images read at a time
        digits.records, digits.notices                # serialized tf.Examples; what was changed, per image

MNIST digits are light on a dark background: an image with a light border is inverted, and a PNG
whose digit is drawn only in its alpha channel is read from that channel; `Digits.notices` says which.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from tfxflow.components.npz_example_gen.mnist_npz import IMAGE_SHAPE, Npz, check_images, to_serialized_examples
from tfxflow.pipelines.model_inputs import BATCH, ROW_KEYS, Examples, PredictError

if TYPE_CHECKING:
    from tfxflow.pipelines.prediction import Prediction

# Pillow's modes of 16-bit samples (a 16-bit grayscale PNG opens as I;16).
_SIXTEEN_BIT = {"I", "I;16", "I;16B", "I;16L", "I;16N"}
_MODES = {"1", "L", "P", "RGB", "RGBA", "LA", "PA", *_SIXTEEN_BIT}
# The largest spread of gray levels among visible pixels still taken as one colour.
_ONE_COLOUR = 16


@dataclass(frozen=True, kw_only=True)
class Digits(Examples):
    """Images as the model is given them, light digits on a dark background, and what was done to them."""

    images: np.ndarray  # uint8 (n, 28, 28)
    inverted: np.ndarray  # bool (n,): had a light background and was inverted
    alpha: np.ndarray  # bool (n,): the digit was read from the PNG's alpha channel

    def details(self, predictions: list[Prediction]) -> list[dict[str, Any]]:
        """The digit (the class, as a number; a model of MNIST classifies) and whether the image was inverted."""
        return [{"digit": int(prediction.label), "inverted": bool(inverted)}
                for prediction, inverted in zip(predictions, self.inverted, strict=True)]


def check_digits(path: Path) -> None:
    """Raises PredictError or NpzError (one line) unless `path` is an npz of MNIST images (read from its zip
    entries and .npy header) or a 28 x 28 image file (its size and mode read from its header first)."""
    if path.suffix.lower() == ".npz":
        _npz_key(path)
    else:
        _image(path)


def read_digits(path: Path, size: int = BATCH) -> Iterator[Digits]:
    """The input's images, in order, `size` at a time (an npz's read a chunk at a time), made `upright`."""
    if path.suffix.lower() != ".npz":
        pixels, alpha = _image(path)
        yield digits([str(path)], pixels[None], np.array([alpha]))
        return
    key = _npz_key(path)
    with Npz(path) as npz:
        start = 0
        for images in npz.chunks(npz.member(key), size):
            yield digits([f"{path}[{i}]" for i in range(start, start + len(images))], images,
                         np.zeros(len(images), bool))
            start += len(images)


def digits(names: list[str], images: np.ndarray, alpha: np.ndarray) -> Digits:
    """The images (uint8, n x 28 x 28) made `upright`, as serialized tf.Examples, with a notice per change."""
    images, inverted = upright(images)
    notices = []
    for name, was_inverted, from_alpha in zip(names, inverted, alpha):
        if from_alpha:
            notices.append(f"{name}: the digit is drawn in the alpha channel (one colour); read alpha as the "
                           "intensity")
        if was_inverted:
            notices.append(f"{name}: dark digit on a light background; inverted (MNIST digits are light on dark)")
    return Digits(names, to_serialized_examples(images), tuple(notices), images=images, inverted=inverted,
                  alpha=alpha)


def upright(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Images as MNIST draws digits, light on a dark background: those whose border is mostly light
    are inverted. Returns the images and which were inverted.

        images, inverted = upright(np.full((1, 28, 28), 255, np.uint8))   # all black; inverted == [True]
    """
    border = np.concatenate([images[:, 0], images[:, -1], images[:, 1:-1, 0], images[:, 1:-1, -1]], axis=1)
    inverted = np.median(border, axis=1) > 127
    return np.where(inverted[:, None, None], 255 - images, images), inverted


def _npz_key(path: Path) -> str:
    with Npz(path) as npz:  # NpzError: unreadable, or a zip entry or header that cannot hold images
        key = next((key for key in ROW_KEYS if key in npz.keys), None)
        if key is None:
            raise PredictError(f"{path}: no images under {', '.join(ROW_KEYS)}; found {', '.join(npz.keys)}")
        check_images(path, npz.member(key))  # NpzError: wrong dtype, shape or no images
    return key


def _image(path: Path) -> tuple[np.ndarray, bool]:
    """A 28x28 image file's uint8 gray levels, and whether they were read from its alpha channel; its size
    and mode checked from its header before anything is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the size check below refuses it
            image = Image.open(path)
        with image:
            if image.size != IMAGE_SHAPE[::-1]:
                raise PredictError(f"{path}: image is {image.width}x{image.height}; expected 28x28 grayscale")
            if image.mode not in _MODES:
                raise PredictError(f"{path}: image mode {image.mode}; expected grayscale, RGB(A), palette or 16-bit")
            return _pixels(path, image)
    except FileNotFoundError:
        raise PredictError(f"{path}: no such file") from None
    except Image.DecompressionBombError:
        raise PredictError(f"{path}: image is over {2 * Image.MAX_IMAGE_PIXELS:,} pixels; expected 28x28 "
                           "grayscale") from None
    except (UnidentifiedImageError, OSError) as error:
        raise PredictError(f"{path}: not an image ({error})") from None


def _pixels(path: Path, image: Image.Image) -> tuple[np.ndarray, bool]:
    """An opened image's uint8 gray levels, and whether they were read from its alpha channel."""
    if image.mode in _SIXTEEN_BIT:
        values = np.asarray(image)
        low, high = int(values.min()), int(values.max())
        if low < 0 or high > 65535:  # mode I also holds 32-bit integers
            raise PredictError(f"{path}: pixel values range over {low}..{high}; expected 16-bit 0-65535")
        return np.round(values / 257).astype(np.uint8), False
    if image.has_transparency_data:
        gray, alpha = np.moveaxis(np.asarray(image.convert("LA")), -1, 0)
        # A drawing canvas exports strokes of one colour whose shape is only in alpha: without alpha, a blank.
        if alpha.min() < alpha.max() and np.ptp(gray[alpha > 0]) <= _ONE_COLOUR:
            return alpha, True
        return gray, False
    return np.asarray(image.convert("L")), False
