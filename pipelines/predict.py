"""Predictions from a pushed MNIST model on raw images: an npz of images or 28x28 PNG files.

    model = load_model(Path("runs/mnist/serving"))          # a version directory or the newest one
    names, images = read_images([Path("digits.npz"), Path("seven.png")])
    for name, (digit, probability) in zip(names, predict(model, images)): ...

The model's own serving signature parses, normalizes and classifies, exactly as in serving.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from components.npz_example_gen.mnist_npz import IMAGE_SHAPE, check_images, to_serialized_examples

# Arrays an npz may hold its images under, in order of preference.
NPZ_KEYS = ("x_test", "x", "images", "x_train")


class PredictError(ValueError):
    """An input or model that cannot be used; the message is one line."""


def read_images(paths: list[Path]) -> tuple[list[str], np.ndarray]:
    """Names and uint8 N x 28 x 28 images from npz files (x_test-like arrays) and PNG files."""
    names: list[str] = []
    images: list[np.ndarray] = []
    for path in paths:
        if path.suffix.lower() == ".npz":
            batch = _npz_images(path)
            names += [f"{path}[{i}]" for i in range(len(batch))]
        else:
            batch = _png_image(path)[None]
            names.append(str(path))
        images.append(batch)
    return names, np.concatenate(images)


def load_model(path: Path):  # -> the loaded SavedModel's serving_default signature
    """The `serving_default` signature of a pushed model (a version dir, or the newest in a serving dir)."""
    import tensorflow as tf  # only once the inputs are known to be good

    directory = _version_directory(path)
    try:
        signature = tf.saved_model.load(str(directory)).signatures["serving_default"]
    except (OSError, KeyError, ValueError) as error:
        reason = " ".join(str(error).split())[:200]
        raise PredictError(f"{directory}: not a pushed tfxflow model ({reason})") from None
    if "examples" not in signature.structured_input_signature[1]:
        raise PredictError(f"{directory}: its serving signature does not take serialized tf.Examples")
    return signature


def predict(signature, images: np.ndarray) -> list[tuple[int, float]]:
    """The most probable digit and its probability for each image."""
    import tensorflow as tf

    try:
        probabilities = signature(examples=tf.constant(to_serialized_examples(images)))["probabilities"].numpy()
    except tf.errors.InvalidArgumentError as error:  # e.g. a baker model, which parses other features
        reason = next((line for line in error.message.splitlines() if "Feature" in line), "").strip()
        raise PredictError(f"the model does not classify MNIST images ({reason or 'its inputs differ'})") from None
    return [(int(row.argmax()), float(row.max())) for row in probabilities]


def _version_directory(path: Path) -> Path:
    if (path / "saved_model.pb").is_file():
        return path
    versions = sorted((p for p in path.glob("*") if p.name.isdigit() and p.is_dir()), key=lambda p: int(p.name))
    if not versions:
        raise PredictError(f"{path}: no saved_model.pb and no numbered versions; expected a pushed model directory")
    return versions[-1]


def _npz_images(path: Path) -> np.ndarray:
    try:
        with np.load(path, allow_pickle=False) as archive:
            found = archive.files
            key = next((key for key in NPZ_KEYS if key in found), None)
            images = archive[key] if key else None
    except (OSError, ValueError, EOFError, AttributeError, zipfile.BadZipFile) as error:
        raise PredictError(f"{path}: not a readable .npz file of images ({error})") from None
    if images is None:
        raise PredictError(f"{path}: no images under {', '.join(NPZ_KEYS)}; found {', '.join(found)}")
    check_images(path, key, images)  # NpzError: wrong dtype, shape or no images
    return images


def _png_image(path: Path) -> np.ndarray:
    try:
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("L"))
    except FileNotFoundError:
        raise PredictError(f"{path}: no such file") from None
    except (UnidentifiedImageError, OSError) as error:
        raise PredictError(f"{path}: not an image ({error})") from None
    if pixels.shape != IMAGE_SHAPE:
        raise PredictError(f"{path}: image is {pixels.shape[1]}x{pixels.shape[0]}; expected 28x28 grayscale")
    return pixels
