"""Drift evidence: real distribution shifts built here must drift, same-distribution data must not.

MNIST cases use the real file in ../shared; baker cases the pipeline's own generator. Baselines
are training statistics computed with the same code as `tfxflow drift` and written as a
StatisticsGen-style FeatureStats.pb. Each case prints its measurements (`pytest -s` shows them).
"""
import numpy as np
import pytest
import tensorflow as tf

from tfxflow.components.baker_example_gen.examples import generate_split, to_examples
from tfxflow.components.baker_example_gen.sequences import baker_orbits
from tfxflow.pipelines.drift import check_drift, new_data_statistics
from tfxflow.pipelines.load import load_spec

from conftest import REPO

SHARED_MNIST = REPO.parent / "shared" / "data" / "mnist.npz"


def measured(case, check):
    values = ", ".join(f"{f.feature} {f.value:.3g} (threshold {f.threshold:g})" for f in check.report.features)
    print(f"\nDRIFT {case}: {values}; drifted: {check.report.drifted}")
    return {f.feature: f for f in check.report.features}


@pytest.fixture(scope="module")
def mnist():
    with np.load(SHARED_MNIST, allow_pickle=False) as arrays:
        return {key: arrays[key] for key in arrays.files}


@pytest.fixture(scope="module")
def mnist_spec():
    return load_spec(REPO / "pipelines" / "mnist.yaml")


def write_npz(path, x, y):
    """An MNIST-style npz holding (x, y), split in two halves as x_train/x_test."""
    half = len(x) // 2
    np.savez(path, x_train=x[:half], y_train=y[:half], x_test=x[half:], y_test=y[half:])
    return path


@pytest.fixture(scope="module")
def mnist_baseline(mnist, mnist_spec, tmp_path_factory):
    """The training split's statistics, as a statistics file."""
    directory = tmp_path_factory.mktemp("mnist_baseline")
    statistics, _, examples = new_data_statistics(
        mnist_spec, write_npz(directory / "train.npz", mnist["x_train"], mnist["y_train"]))
    assert examples == 60000
    path = directory / "FeatureStats.pb"
    path.write_bytes(statistics.SerializeToString())
    return path


@pytest.mark.parametrize(
    "case, make, drifted_feature",
    [
        ("inverted images", lambda x, y: (255 - x, y), "image"),
        ("brightness +40", lambda x, y: (np.clip(x.astype(int) + 40, 0, 255).astype(np.uint8), y), "image"),
        ("only digits 0-2", lambda x, y: (x[y < 3], y[y < 3]), "label"),
    ],
)
def test_mnist_shifts_drift(mnist, mnist_spec, mnist_baseline, tmp_path, case, make, drifted_feature):
    x, y = make(mnist["x_test"], mnist["y_test"])
    check = check_drift(mnist_spec, write_npz(tmp_path / "new.npz", x, y), mnist_baseline)
    features = measured(f"mnist {case}", check)
    assert check.report.drifted and features[drifted_feature].drifted
    assert check.report.anomalies == []  # still valid MNIST: drift, not a schema break


def test_mnist_test_split_does_not_drift_from_training(mnist, mnist_spec, mnist_baseline, tmp_path):
    check = check_drift(mnist_spec, write_npz(tmp_path / "test.npz", mnist["x_test"], mnist["y_test"]), mnist_baseline)
    measured("mnist test split vs train", check)
    assert not check.report.drifted and check.report.anomalies == [] and check.examples == 10000


@pytest.mark.parametrize("arrays", [("x_test", "y_test"), ("x_test",)], ids=["test split only", "images only"])
def test_new_data_may_hold_one_split_or_images_alone(mnist, mnist_spec, mnist_baseline, tmp_path, arrays):
    path = tmp_path / "new.npz"
    np.savez(path, **{key: mnist[key] for key in arrays})
    check = check_drift(mnist_spec, path, mnist_baseline)
    assert check.examples == 10000 and not check.report.drifted and check.report.anomalies == []
    compared = {feature.feature for feature in check.report.features}
    assert compared == ({"image", "label"} if "y_test" in arrays else {"image"})  # no labels: the label is not compared
    assert check.data.endswith("(no labels)") == ("y_test" not in arrays)


def test_mnist_training_halves_do_not_drift(mnist, mnist_spec, tmp_path):
    order = np.random.default_rng(0).permutation(60000)
    x, y = mnist["x_train"][order], mnist["y_train"][order]
    statistics, _, _ = new_data_statistics(mnist_spec, write_npz(tmp_path / "a.npz", x[:30000], y[:30000]))
    (tmp_path / "a.pb").write_bytes(statistics.SerializeToString())
    check = check_drift(mnist_spec, write_npz(tmp_path / "b.npz", x[30000:], y[30000:]), tmp_path / "a.pb")
    measured("mnist random half vs other half", check)
    assert not check.report.drifted


@pytest.fixture(scope="module")
def baker_spec():
    return load_spec(REPO / "pipelines" / "baker.yaml")


@pytest.fixture(scope="module")
def baker_baseline(baker_spec, tmp_path_factory):
    """The default training split's statistics (20,000 sequences, seed 0)."""
    statistics, _, examples = new_data_statistics(baker_spec, None)
    assert examples == 20000
    path = tmp_path_factory.mktemp("baker_baseline") / "FeatureStats.pb"
    path.write_bytes(statistics.SerializeToString())
    return path


def write_tfrecords(directory, x, labels):
    directory.mkdir()
    with tf.io.TFRecordWriter(str(directory / "data.gz"), "GZIP") as writer:
        for example in to_examples(x.astype(np.float32), labels):
            writer.write(example.SerializeToString())
    return directory


def fresh(seed, n=2000):
    examples = generate_split("train", n, seed, 100)
    x = np.array([e.features.feature["x"].float_list.value for e in examples])
    labels = np.array([e.features.feature["label"].int64_list.value[0] for e in examples])
    return x, labels


def beta_map_orbits(beta, n, rng):
    orbits = np.empty((n, 100))
    value = rng.random(n)
    for i in range(100):
        orbits[:, i], value = value, np.mod(beta * value, 1.0)
    return orbits


def shifted_map(rng):
    x, labels = fresh(101)
    x[labels == 1] = beta_map_orbits(3.3, int((labels == 1).sum()), rng)
    return x, labels


def noisy(rng):
    x, labels = fresh(102)
    return np.clip(x + rng.normal(0, 0.1, x.shape), 0, 1), labels


def mostly_baker(rng):
    labels = (rng.random(2000) < 0.9).astype(np.int64)
    x = rng.random((2000, 100))
    x[labels == 1] = baker_orbits(rng.integers(0, 2**53, size=int(labels.sum()), dtype=np.uint64), 100)
    return x, labels


@pytest.mark.parametrize(
    "case, make, drifted_feature",
    [("map 3.3x mod 1", shifted_map, "x"), ("noise sd 0.1", noisy, "x"), ("90% baker labels", mostly_baker, "label")],
)
def test_baker_shifts_drift(baker_spec, baker_baseline, tmp_path, case, make, drifted_feature):
    x, labels = make(np.random.default_rng(5))
    check = check_drift(baker_spec, write_tfrecords(tmp_path / "new", x, labels), baker_baseline)
    features = measured(f"baker {case}", check)
    assert check.report.drifted and features[drifted_feature].drifted


def test_fresh_seeds_never_drift(baker_spec, baker_baseline, tmp_path):
    """20 seeds of the same generator (2,000 sequences each): zero false alarms at the default thresholds."""
    largest = {}
    for seed in range(1, 21):
        check = check_drift(baker_spec, write_tfrecords(tmp_path / f"seed{seed}", *fresh(seed)), baker_baseline)
        assert not check.report.drifted and check.report.anomalies == [], check.to_text()
        for feature in check.report.features:
            largest[feature.feature] = max(largest.get(feature.feature, 0.0), feature.value)
    print(f"\nDRIFT baker 20 fresh seeds: largest {largest}")
