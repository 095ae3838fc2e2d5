"""BakerExampleGen's executor: splits, counts, features, a fixed order, and no half-written splits."""
import numpy as np
import pytest
import tensorflow as tf
from tfx.types import artifact_utils, standard_artifacts

from tfxflow.components.baker_example_gen.component import BakerExampleGen
from tfxflow.components.baker_example_gen.executor import Executor
from tfxflow.components.baker_example_gen.sequences import map_residual


def generate_to(uri, train, evaluation, seed=0, length=20):
    component = BakerExampleGen(train_examples=train, eval_examples=evaluation, length=length, seed=seed)
    exec_properties = component.exec_properties
    examples = standard_artifacts.Examples()
    examples.uri = str(uri)
    Executor().Do({}, {"examples": [examples]}, dict(exec_properties))
    return examples


def read_split(examples, split):
    files = tf.io.gfile.glob(artifact_utils.get_split_uri([examples], split) + "/*.gz")
    spec = {"x": tf.io.VarLenFeature(tf.float32), "label": tf.io.FixedLenFeature([1], tf.int64)}
    rows = [
        tf.io.parse_single_example(record, spec) for record in tf.data.TFRecordDataset(files, compression_type="GZIP")
    ]
    x = np.stack([tf.sparse.to_dense(row["x"]).numpy() for row in rows])
    return x, np.array([int(row["label"][0]) for row in rows])


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return generate_to(tmp_path_factory.mktemp("gen"), train=2500, evaluation=300)


def test_writes_train_and_eval_splits_with_the_declared_counts(generated):
    assert artifact_utils.decode_split_names(generated.split_names) == ["train", "eval"]
    x_train, y_train = read_split(generated, "train")
    x_eval, y_eval = read_split(generated, "eval")
    assert x_train.shape == (2500, 20) and x_eval.shape == (300, 20)
    assert abs(y_train.mean() - 0.5) < 0.01 and abs(y_eval.mean() - 0.5) < 0.01


def test_written_examples_keep_their_labels(generated):
    x, labels = read_split(generated, "train")
    residual = map_residual(x)
    assert (residual[labels == 1] < 1e-6).all() and (residual[labels == 0] > 1e-3).all()


def test_same_seed_writes_the_same_examples_in_the_same_order_and_splits_differ(generated, tmp_path):
    again = generate_to(tmp_path / "again", train=2500, evaluation=300)
    x1, y1 = read_split(generated, "train")
    x2, y2 = read_split(again, "train")
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)  # same order: the same seed trains the same model
    x_eval, _ = read_split(generated, "eval")
    assert not np.isin(x_eval[:, 0], x1[:, 0]).any()


def test_another_seed_writes_other_examples(generated, tmp_path):
    other = generate_to(tmp_path / "other", train=2500, evaluation=300, seed=1)
    assert not np.array_equal(read_split(generated, "train")[0], read_split(other, "train")[0])


def test_a_split_that_fails_midway_leaves_no_splits(tmp_path):
    component = BakerExampleGen(train_examples=2500, eval_examples=300, length=20, seed=0)
    exec_properties = dict(component.exec_properties, eval_examples="many")  # fails after train is written
    examples = standard_artifacts.Examples()
    examples.uri = str(tmp_path / "failed")
    with pytest.raises(TypeError):
        Executor().Do({}, {"examples": [examples]}, exec_properties)
    assert not list((tmp_path / "failed").rglob("*.gz"))
