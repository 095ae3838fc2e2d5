"""Predictions from a pushed model: any model on examples (model_inputs.py), MNIST's on raw images.

    model = load_model(Path("runs/churn/serving"))                  # a version directory or the newest one
    predict_records(model, records)                                 # [(class name, probability), ...]

    inputs = read_inputs([Path("digits.npz"), Path("seven.png")])  # MNIST: all checked first; PNGs decoded
    for batch in batches(inputs):                                   # npz images read BATCH at a time
        for name, (digit, probability) in zip(batch.names, predict(model, batch.images)): ...

The model's own serving signature parses, normalizes and classifies, exactly as in serving. It is
given digits as MNIST draws them, light on a dark background: an image with a light border is
inverted, and a PNG whose digit is drawn only in its alpha channel is read from that channel;
`Batch.notices()` says which.
"""
from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
from PIL import Image, UnidentifiedImageError

from tfxflow.components.npz_example_gen.mnist_npz import IMAGE_SHAPE, Npz, check_images, to_serialized_examples
from tfxflow.pipelines.model_inputs import PredictError, version_directory

# Arrays an npz may hold its images under, in order of preference.
NPZ_KEYS = ("x_test", "x", "images", "x_train")
# Images per model call: memory stays at about 10 MB of staging per batch whatever the inputs hold.
BATCH = 1024
# Pillow's modes of 16-bit samples (a 16-bit grayscale PNG opens as I;16).
_SIXTEEN_BIT = {"I", "I;16", "I;16B", "I;16L", "I;16N"}
_MODES = {"1", "L", "P", "RGB", "RGBA", "LA", "PA", *_SIXTEEN_BIT}
# The largest spread of gray levels among visible pixels still taken as one colour.
_ONE_COLOUR = 16


@dataclass(frozen=True)
class Images:
    """One checked input: a decoded PNG, or an npz array whose images stay in the file until read."""

    path: Path
    key: str = ""  # the npz array holding the images
    pixels: np.ndarray | None = None  # the PNG's, uint8 28 x 28
    alpha: bool = False  # the PNG's digit was read from its alpha channel

    def pieces(self, rows: int) -> Iterator[tuple[list[str], np.ndarray, np.ndarray]]:
        """Names, uint8 (n <= rows, 28, 28) images and which were read from alpha, a piece at a time."""
        if self.pixels is not None:
            yield [str(self.path)], self.pixels[None], np.array([self.alpha])
            return
        with Npz(self.path) as npz:
            start = 0
            for images in npz.chunks(npz.member(self.key), rows):
                names = [f"{self.path}[{i}]" for i in range(start, start + len(images))]
                yield names, images, np.zeros(len(images), bool)
                start += len(images)


@dataclass(frozen=True)
class Batch:
    """Images ready for the model, light digits on a dark background, and what was done to them."""

    names: list[str]
    images: np.ndarray  # uint8 (n, 28, 28)
    inverted: np.ndarray  # bool (n,): had a light background and was inverted
    alpha: np.ndarray  # bool (n,): the digit was read from the PNG's alpha channel

    def notices(self) -> list[str]:
        """One line per change to an image, naming it: `digits.npz[3]: dark digit on a light ...`."""
        lines = []
        for name, inverted, alpha in zip(self.names, self.inverted, self.alpha):
            if alpha:
                lines.append(f"{name}: the digit is drawn in the alpha channel (one colour); read alpha as the "
                             "intensity")
            if inverted:
                lines.append(f"{name}: dark digit on a light background; inverted (MNIST digits are light on dark)")
        return lines


def read_inputs(paths: list[Path]) -> list[Images]:
    """Every input checked before anything is predicted: PNGs decoded, npz zip entries and headers read
    (their images stay in the file). PredictError or NpzError (one line) for the first bad one."""
    return [_npz_images(path) if path.suffix.lower() == ".npz" else _png_image(path) for path in paths]


def batches(inputs: list[Images], size: int = BATCH) -> Iterator[Batch]:
    """The inputs' images, in order, in batches of at least `size` (but the last) and under `2 * size`, each
    made `upright`."""
    pending: list[tuple[list[str], np.ndarray, np.ndarray]] = []
    count = 0
    for piece in itertools.chain.from_iterable(images.pieces(size) for images in inputs):
        pending.append(piece)
        count += len(piece[0])
        if count >= size:
            yield _joined(pending)
            pending, count = [], 0
    if pending:
        yield _joined(pending)


def upright(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Images as MNIST draws digits, light on a dark background: those whose border is mostly light
    are inverted. Returns the images and which were inverted.

        images, inverted = upright(np.full((1, 28, 28), 255, np.uint8))   # all black; inverted == [True]
    """
    border = np.concatenate([images[:, 0], images[:, -1], images[:, 1:-1, 0], images[:, 1:-1, -1]], axis=1)
    inverted = np.median(border, axis=1) > 127
    return np.where(inverted[:, None, None], 255 - images, images), inverted


def load_model(path: str | Path):  # -> the loaded SavedModel's serving_default signature
    """The `serving_default` signature of a pushed model (a version dir, or the newest in a serving dir;
    a local path or a URI)."""
    import tensorflow as tf  # only once the inputs are known to be good

    directory = version_directory(path)
    try:
        signature = tf.saved_model.load(directory).signatures["serving_default"]
    except (OSError, KeyError, ValueError) as error:
        reason = " ".join(str(error).split())[:200]
        raise PredictError(f"{directory}: not a pushed tfxflow model ({reason})") from None
    if "examples" not in signature.structured_input_signature[1]:
        raise PredictError(f"{directory}: its serving signature does not take serialized tf.Examples")
    return signature


def predict(signature, images: np.ndarray) -> list[tuple[str, float]]:
    """The most probable digit and its probability for each MNIST image."""
    return predict_records(signature, to_serialized_examples(images), "MNIST images")


def predict_records(signature, records: list[bytes], what: str = "these examples") -> list[tuple[str, float]]:
    """The most probable class's name (the model's `class` output; its id for a model without one) and
    its probability, for each serialized tf.Example."""
    import tensorflow as tf

    try:
        outputs = signature(examples=tf.constant(records))
    except tf.errors.InvalidArgumentError as error:  # e.g. a baker model, which parses other features
        reason = next((line for line in error.message.splitlines() if "Feature" in line), "").strip()
        raise PredictError(f"the model does not classify {what} ({reason or 'its inputs differ'})") from None
    probabilities = outputs["probabilities"].numpy()
    names = ([name.decode() for name in outputs["class"].numpy()] if "class" in outputs
             else [str(row.argmax()) for row in probabilities])
    return [(name, float(row.max())) for name, row in zip(names, probabilities, strict=True)]


def _joined(pieces: list[tuple[list[str], np.ndarray, np.ndarray]]) -> Batch:
    images, inverted = upright(np.concatenate([images for _, images, _ in pieces]))
    names = [name for piece_names, _, _ in pieces for name in piece_names]
    return Batch(names, images, inverted, np.concatenate([alpha for _, _, alpha in pieces]))


def _npz_images(path: Path) -> Images:
    with Npz(path) as npz:  # NpzError: unreadable, or a zip entry or header that cannot hold images
        key = next((key for key in NPZ_KEYS if key in npz.keys), None)
        if key is None:
            raise PredictError(f"{path}: no images under {', '.join(NPZ_KEYS)}; found {', '.join(npz.keys)}")
        check_images(path, npz.member(key))  # NpzError: wrong dtype, shape or no images
    return Images(path, key=key)


def _png_image(path: Path) -> Images:
    """A 28x28 image file, its size and mode checked from its header before anything is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the size check below refuses it
            image = Image.open(path)
        with image:
            if image.size != IMAGE_SHAPE[::-1]:
                raise PredictError(f"{path}: image is {image.width}x{image.height}; expected 28x28 grayscale")
            if image.mode not in _MODES:
                raise PredictError(f"{path}: image mode {image.mode}; expected grayscale, RGB(A), palette or 16-bit")
            pixels, alpha = _pixels(path, image)
    except FileNotFoundError:
        raise PredictError(f"{path}: no such file") from None
    except Image.DecompressionBombError:
        raise PredictError(f"{path}: image is over {2 * Image.MAX_IMAGE_PIXELS:,} pixels; expected 28x28 "
                           "grayscale") from None
    except (UnidentifiedImageError, OSError) as error:
        raise PredictError(f"{path}: not an image ({error})") from None
    return Images(path, pixels=pixels, alpha=alpha)


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
