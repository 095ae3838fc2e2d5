"""Streaming an npz (mnist_npz.Npz): chunks equal whole arrays, memory stays flat, and the executor and
`tfxflow predict` built on it write and print what whole-array loading would, in bounded memory."""
import json
import zipfile

import numpy as np
import pytest
import tensorflow as tf
from click.testing import CliRunner
from test_npz_hostile import measured, streamed
from tfx.types import artifact_utils, standard_artifacts

from tfxflow.components.npz_example_gen import executor
from tfxflow.components.npz_example_gen.mnist_npz import Npz, NpzError, load_mnist
from tfxflow.pipelines.cli import main


def arrays(n_train=25, n_test=10, seed=0):
    rng = np.random.default_rng(seed)
    return {"x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
            "y_train": rng.integers(0, 10, n_train, dtype=np.int64),
            "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
            "y_test": rng.integers(0, 10, n_test, dtype=np.uint8)}


class MeanDigit(tf.Module):
    """A stand-in MNIST model: 'classifies' an image as its mean gray level mod 10, with probability 1."""

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def serve(self, examples):
        image = tf.io.parse_example(examples, {"image": tf.io.FixedLenFeature([784], tf.int64)})["image"]
        digit = tf.cast(tf.reduce_mean(tf.cast(image, tf.float32), axis=1), tf.int32) % 10
        return {"probabilities": tf.one_hot(digit, 10)}


@pytest.fixture(scope="session")
def mean_digit_model(tmp_path_factory):
    """A pushed-model directory holding MeanDigit's SavedModel."""
    directory = tmp_path_factory.mktemp("model")
    model = MeanDigit()
    tf.saved_model.save(model, str(directory), signatures={"serving_default": model.serve})
    return directory


@pytest.mark.parametrize("save", [np.savez, np.savez_compressed])
@pytest.mark.parametrize("rows", [1, 7, 25, 40])
def test_chunks_are_the_whole_array_in_pieces(tmp_path, save, rows):
    data = arrays()
    save(tmp_path / "mnist.npz", **data)
    with Npz(tmp_path / "mnist.npz") as npz:
        pieces = list(npz.chunks(npz.member("x_train"), rows))
    assert [len(piece) for piece in pieces[:-1]] == [rows] * (len(pieces) - 1)
    np.testing.assert_array_equal(np.concatenate(pieces), data["x_train"])


def test_streaming_half_a_gigabyte_of_images_keeps_memory_flat(tmp_path):
    n = 640_000  # 0.5 GB of uint8 images
    path = streamed(tmp_path / "large.npz", "x_train", "|u1", (n, 28, 28), n * 784)
    code, stderr, seconds, peak = measured(
        "import sys\nfrom components.npz_example_gen.mnist_npz import Npz\n"
        "with Npz(sys.argv[1]) as npz:\n"
        "    sys.exit(sum(len(x) for x in npz.chunks(npz.member('x_train'), 10_000)) != int(sys.argv[2]))\n",
        path, n)
    assert code == 0, stderr
    assert peak < 200, peak  # whole, the images alone would take 502 MB


def generate(tmp_path, path):
    examples = standard_artifacts.Examples()
    examples.uri = str(tmp_path / "examples")
    executor.Executor().Do({}, {"examples": [examples]}, {executor.PATH_KEY: str(path), executor.FINGERPRINT_KEY: "",
                                                           executor.FEATURE_KEY: "image", executor.LABEL_KEY: "label"})
    return examples


def read_split(examples, split):
    files = tf.io.gfile.glob(artifact_utils.get_split_uri([examples], split) + "/*.gz")
    spec = {"image": tf.io.FixedLenFeature([784], tf.int64), "label": tf.io.FixedLenFeature([1], tf.int64)}
    parsed = [tf.io.parse_single_example(r, spec) for r in tf.data.TFRecordDataset(files, compression_type="GZIP")]
    images = np.stack([p["image"].numpy().reshape(28, 28) for p in parsed])
    return images, np.array([int(p["label"][0]) for p in parsed])


def test_executor_writes_in_chunks_what_whole_arrays_hold(tmp_path, monkeypatch):
    monkeypatch.setattr(executor, "CHUNK", 7)  # 25 and 10 images: several chunks and a short last one
    path = tmp_path / "mnist.npz"
    np.savez_compressed(path, **arrays())
    whole = load_mnist(path)
    examples = generate(tmp_path, path)
    for split, (x_key, y_key) in {"train": ("x_train", "y_train"), "eval": ("x_test", "y_test")}.items():
        images, labels = read_split(examples, split)
        np.testing.assert_array_equal(images, whole[x_key])
        np.testing.assert_array_equal(labels, whole[y_key])


def test_image_data_found_corrupt_while_streaming_leaves_no_examples(tmp_path, monkeypatch):
    monkeypatch.setattr(executor, "CHUNK", 7)
    path = tmp_path / "mnist.npz"
    np.savez(path, **arrays())  # stored: a flipped byte changes only the CRC, checked at the last chunk
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("x_train.npy")
        end = info.header_offset + len(info.FileHeader()) + info.compress_size
    data = bytearray(path.read_bytes())
    data[end - 10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(NpzError, match=r"x_train: truncated or corrupt \(Bad CRC-32"):
        generate(tmp_path, path)
    assert not (tmp_path / "examples" / "Split-train").exists()
    assert not (tmp_path / "examples" / "Split-eval").exists()


def test_predict_prints_every_image_of_an_npz_in_order_light_ones_inverted(tmp_path, mean_digit_model):
    levels = np.arange(2500) % 256  # image i: all one gray level; over 127 it is a light background
    np.savez_compressed(tmp_path / "digits.npz", x_test=np.repeat(levels.astype(np.uint8), 784).reshape(-1, 28, 28))
    result = CliRunner().invoke(main, ["predict", "--model", str(mean_digit_model),
                                       "--input", str(tmp_path / "digits.npz"), "--json"])
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["input"] for line in lines] == [f"{tmp_path / 'digits.npz'}[{i}]" for i in range(2500)]
    seen = np.where(levels > 127, 255 - levels, levels)
    assert [line["digit"] for line in lines] == (seen % 10).tolist()
    assert [line["inverted"] for line in lines] == (levels > 127).tolist()
    notices = result.stderr.splitlines()
    assert len(notices) == (levels > 127).sum()
    assert notices[0] == (f"notice: {tmp_path / 'digits.npz'}[128]: dark digit on a light background; inverted "
                          "(MNIST digits are light on dark)")


def test_predict_on_200k_images_stays_in_bounded_memory(tmp_path, mean_digit_model):
    images = np.zeros((200_000, 28, 28), np.uint8)
    images[:, 10:18, 10:18] = 200
    np.savez_compressed(tmp_path / "digits.npz", x_test=images)
    del images
    code, stderr, seconds, peak = measured(
        "from pipelines.cli import main; main()", "predict", "--model", mean_digit_model,
        "--input", tmp_path / "digits.npz", limit=8 << 30)  # TensorFlow reserves gigabytes of address space
    assert code == 0, stderr
    assert peak < 1000, peak  # 543-557 MB for 1,000 to 1,000,000 images; loading them whole took 2.9 GB


def test_names_of_npz_pieces_continue_across_chunks(tmp_path):
    from tfxflow.pipelines.ingest.mnist_digits import read_digits

    np.savez(tmp_path / "a.npz", x=np.zeros((5, 28, 28), np.uint8))
    batches = list(read_digits(tmp_path / "a.npz", size=2))
    assert [len(batch.names) for batch in batches] == [2, 2, 1]
    assert [name for batch in batches for name in batch.names] == [f"{tmp_path / 'a.npz'}[{i}]" for i in range(5)]
