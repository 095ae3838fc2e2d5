"""ValidationGate's executor: real TFDV statistics against the curated schema; fails on errors only."""
import os

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import anomalies_pb2
from tfx.components.statistics_gen.stats_artifact_utils import BINARY_PB_BASENAME
from tfx.types import artifact_utils, standard_artifacts
from tfx.utils import io_utils

from tfxflow.components.baker_example_gen.examples import to_examples
from tfxflow.components.baker_example_gen.sequences import generate
from tfxflow.components.npz_example_gen.mnist_npz import to_serialized_examples
from tfxflow.components.validation_gate.anomalies import describe_errors
from tfxflow.components.validation_gate.executor import DataAnomaliesError, Executor

from conftest import REPO


def statistics_of(tmp_path, examples) -> standard_artifacts.ExampleStatistics:
    """Computes TFDV statistics of `examples` and stores them where StatisticsGen would."""
    records = str(tmp_path / "examples.tfrecord")
    with tf.io.TFRecordWriter(records) as writer:
        for example in examples:
            writer.write(example.SerializeToString())
    artifact = standard_artifacts.ExampleStatistics()
    artifact.uri = str(tmp_path / "statistics")
    artifact.split_names = artifact_utils.encode_split_names(["train"])
    artifact.set_string_custom_property("tfx_version", "1.16.0")
    split_uri = artifact_utils.get_split_uri([artifact], "train")
    os.makedirs(split_uri)
    stats = tfdv.generate_statistics_from_tfrecord(records)
    io_utils.write_bytes_file(os.path.join(split_uri, BINARY_PB_BASENAME), stats.SerializeToString())
    return artifact


def run_gate(tmp_path, examples, kind="baker"):
    schema = standard_artifacts.Schema()
    schema.uri = str(REPO / "schemas" / kind)
    anomalies = standard_artifacts.ExampleAnomalies()
    anomalies.uri = str(tmp_path / "anomalies")
    inputs = {"statistics": [statistics_of(tmp_path, examples)], "schema": [schema]}
    Executor().Do(inputs, {"anomalies": [anomalies]}, {"exclude_splits": "[]"})
    return anomalies


def baker_examples(length=100):
    return to_examples(*generate(200, length, np.random.default_rng(0)))


def test_data_that_fits_the_schema_passes(tmp_path):
    anomalies = run_gate(tmp_path, baker_examples())
    assert anomalies.get_json_value_custom_property("blessed") == {"train": 1}


def test_out_of_range_values_stop_with_feature_expected_and_found(tmp_path):
    examples = baker_examples()
    examples[3].features.feature["x"].float_list.value[7] = 1.5
    with pytest.raises(DataAnomaliesError) as raised:
        run_gate(tmp_path, examples)
    [line] = str(raised.value).splitlines()[1:]
    assert "train split, feature 'x'" in line and "Out-of-range values" in line and "1.5>1" in line


def test_wrong_sequence_length_stops(tmp_path):
    with pytest.raises(DataAnomaliesError, match="feature 'x'"):
        run_gate(tmp_path, baker_examples(length=50))


def test_warnings_do_not_stop_a_run():
    anomalies = anomalies_pb2.Anomalies()
    anomalies.anomaly_info["x"].severity = anomalies_pb2.AnomalyInfo.WARNING
    anomalies.anomaly_info["label"].severity = anomalies_pb2.AnomalyInfo.ERROR
    anomalies.anomaly_info["label"].reason.add(short_description="Out-of-range values", description="7 > 1")
    assert describe_errors("eval", anomalies) == ["    eval split, feature 'label': Out-of-range values: 7 > 1"]


def test_mnist_pixels_and_labels_out_of_range_stop(tmp_path):
    images = np.zeros((20, 784), np.int64)
    images[3, 100] = 300
    labels = np.arange(20) % 10
    labels[5] = 12
    records = to_serialized_examples(images, labels)
    with pytest.raises(DataAnomaliesError) as raised:
        run_gate(tmp_path, [tf.train.Example.FromString(record) for record in records], kind="mnist")
    lines = str(raised.value).splitlines()[1:]
    assert len(lines) == 2
    assert "feature 'image'" in lines[0] and "300" in lines[0]
    assert "feature 'label'" in lines[1] and "12" in lines[1]
