"""Reading and checking MNIST npz files, and their conversion to tf.Examples (mnist_npz.py)."""
import zipfile

import numpy as np
import pytest
import tensorflow as tf

from tfxflow.components.npz_example_gen.mnist_npz import NpzError, load_mnist, to_serialized_examples

pytestmark = pytest.mark.faults  # the bad-file cases are part of the fault suite too


def arrays(n_train=6, n_test=4, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def saved(tmp_path, contents, name="mnist.npz"):
    path = tmp_path / name
    np.savez(path, **contents)
    return path


def error_of(path):
    with pytest.raises(NpzError) as raised:
        load_mnist(path)
    message = str(raised.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


def test_good_file_loads_with_its_arrays(tmp_path):
    good = arrays()
    loaded = load_mnist(saved(tmp_path, good))
    for key, value in good.items():
        np.testing.assert_array_equal(loaded[key], value)


def test_conversion_round_trips_images_and_labels():
    data = arrays(n_train=5)
    records = to_serialized_examples(data["x_train"], data["y_train"])
    spec = {"image": tf.io.FixedLenFeature([784], tf.int64), "label": tf.io.FixedLenFeature([1], tf.int64)}
    parsed = tf.io.parse_example(records, spec)
    np.testing.assert_array_equal(parsed["image"].numpy().reshape(5, 28, 28), data["x_train"])
    np.testing.assert_array_equal(parsed["label"].numpy()[:, 0], data["y_train"])


def test_missing_file(tmp_path):
    assert "no such file" in error_of(tmp_path / "absent.npz")


def test_not_an_npz(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_text("x_train,y_train\n1,2\n")
    assert "not a readable .npz file" in error_of(path)


def test_a_single_npy_array_is_not_an_archive(tmp_path):
    path = tmp_path / "mnist.npy"
    np.save(path, np.zeros((2, 28, 28), np.uint8))
    assert "a single .npy array; expected an .npz archive" in error_of(path)


def test_truncated_file(tmp_path):
    path = saved(tmp_path, arrays(n_train=200))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    message = error_of(path)
    assert "not a readable .npz file" in message or "truncated or corrupt" in message


def test_corrupt_member(tmp_path):
    path = saved(tmp_path, arrays(n_train=200))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        offset = archive.getinfo("x_train.npy").header_offset + 200
    data[offset : offset + 400] = bytes(400)
    path.write_bytes(bytes(data))
    message = error_of(path)
    assert "x_train" in message and ("truncated or corrupt" in message or "unreadable" in message)


def test_missing_keys(tmp_path):
    contents = arrays()
    del contents["y_test"]
    assert "missing key(s) y_test; expected x_train, y_train, x_test, y_test" in error_of(saved(tmp_path, contents))


def test_object_arrays_are_refused_without_unpickling(tmp_path):
    contents = arrays()
    contents["y_train"] = np.array([object()] * 6, dtype=object)
    assert "y_train: an object array; expected a numeric array" in error_of(saved(tmp_path, contents))


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("x_train", np.zeros((6, 28, 27), np.uint8), "x_train: shape (6, 28, 27); expected (N, 28, 28)"),
        ("x_train", np.zeros((6, 784), np.uint8), "x_train: shape (6, 784); expected (N, 28, 28)"),
        ("x_test", np.zeros((4, 28, 28), np.float32), "x_test: images have dtype float32; expected uint8"),
        ("y_train", np.array([0, 1, 2, 3, 4, 10]), "y_train: labels range over 0..10; expected digits 0-9"),
        ("y_test", np.array([-1, 1, 2, 3]), "y_test: labels range over -1..3; expected digits 0-9"),
        ("y_test", np.array([0.0, 1.0, 2.0, 3.0]), "y_test: float64 array of shape (4,); expected N integer labels"),
        ("y_train", np.zeros(5, np.uint8), "y_train: 5 labels for 6 images in x_train; expected equal counts"),
        ("x_test", np.zeros((0, 28, 28), np.uint8), "x_test: no images; expected at least one"),
    ],
)
def test_bad_arrays_name_the_key_and_what_was_expected(tmp_path, key, value, expected):
    contents = arrays()
    contents[key] = value
    if key == "x_test" and len(value) == 0:
        contents["y_test"] = np.zeros(0, np.uint8)
    assert expected in error_of(saved(tmp_path, contents))


def test_unset_path_without_network_says_to_pass_ingest_path(tmp_path, monkeypatch):
    from tfxflow.components.npz_example_gen.keras_download import keras_mnist

    monkeypatch.setenv("HOME", str(tmp_path))  # an empty ~/.keras cache
    with pytest.raises(NpzError) as raised:
        keras_mnist(origin="http://127.0.0.1:9/mnist.npz")  # nothing listens on the discard port
    message = str(raised.value)
    assert message.startswith("ingest.path: not set, and MNIST could not be fetched from http://127.0.0.1:9/")
    assert message.endswith("pass --set ingest.path=FILE (or set ingest.path in the pipeline file) with a local "
                            "mnist.npz") and "\n" not in message
