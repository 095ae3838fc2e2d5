"""`tfxflow predict` reads each input as the ingest kind the model was trained from reads it (pipelines/predict.py,
IngestSettings.prediction_examples), by the input's suffix for a model pushed before the kind was recorded, and
prints a regression's value as it prints a classifier's class."""
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from click.testing import CliRunner

from tfxflow.components.npz_example_gen.examples import array_examples
from tfxflow.pipelines.cli import main
from tfxflow.pipelines.ingest.baker import BakerIngest
from tfxflow.pipelines.ingest.csv import CsvIngest
from tfxflow.pipelines.ingest.mnist import MnistIngest
from tfxflow.pipelines.ingest.npz import NpzIngest
from tfxflow.pipelines.ingest.tfrecord import TFRecordIngest
from tfxflow.pipelines.model_inputs import Layout, PredictError, check_tfrecords, read_tfrecords
from tfxflow.pipelines.predict import Reader
from tfxflow.pipelines.prediction import Prediction, readable
from tfxflow.pipelines.spec import IngestSettings

SCHEMA = 'feature { name: "x" type: FLOAT shape { dim { size: 1 } } }\n'
LAYOUT = Layout({"x": ("FLOAT", (1,))})


class TextLines(IngestSettings):
    """A user's kind whose data are .txt files of one value of x a line; TFRecords as any kind's."""

    kind: str = "test_predict_kinds:TextLines"

    @classmethod
    def prediction_examples(cls, path, layout):
        if path.suffix != ".txt":
            return super().prediction_examples(path, layout)
        values = np.loadtxt(path, ndmin=2, dtype=np.float32)
        return [([f"{path}[{i}]" for i in range(len(values))], array_examples(values, None, "x", ""))]

    @classmethod
    def check_prediction_input(cls, path, layout):
        if path.suffix != ".txt":
            super().check_prediction_input(path, layout)


class Plain(IngestSettings):
    """A user's kind that says nothing about prediction."""

    kind: str = "test_predict_kinds:Plain"


class Sine(tf.Module):
    """A stand-in regression model: the value of sin(x)."""

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def serve(self, examples):
        x = tf.io.parse_example(examples, {"x": tf.io.FixedLenFeature([1], tf.float32)})["x"]
        return {"value": tf.sin(x[:, 0])}


def pushed(directory: Path, info: dict | None, schema: str | None = SCHEMA) -> Path:
    """A version directory as the Pusher leaves it: assets.extra/input_schema.pbtxt and model_info.json."""
    (directory / "assets.extra").mkdir(parents=True, exist_ok=True)
    if not (directory / "saved_model.pb").exists():
        (directory / "saved_model.pb").write_bytes(b"")  # only looked at, never loaded
    if schema is not None:
        (directory / "assets.extra" / "input_schema.pbtxt").write_text(schema)
    if info is not None:
        (directory / "assets.extra" / "model_info.json").write_text(json.dumps(info))
    return directory


@pytest.fixture(scope="session")
def sine_model(tmp_path_factory):
    """A pushed regression model trained, its model_info.json says, from the csv kind."""
    directory = tmp_path_factory.mktemp("sine")
    model = Sine()
    tf.saved_model.save(model, str(directory), signatures={"serving_default": model.serve})
    return pushed(directory, {"label": {"key": "y", "task": "regression", "classes": [], "string": False},
                              "kind": "csv"})


def tfrecords(path: Path, values: list[float], compression: str = "") -> Path:
    with tf.io.TFRecordWriter(str(path), compression) as writer:
        for value in values:
            writer.write(array_examples(np.array([[value]], np.float32), None, "x", "")[0])
    return path


def predict(*args: object):
    return CliRunner().invoke(main, ["predict", *map(str, args)])


def test_the_kind_recorded_with_the_model_reads_every_input(tmp_path):
    reader = Reader.of(pushed(tmp_path / "model", {"label": {}, "kind": "csv"}))
    assert reader.layout == Layout(LAYOUT.features, "csv", frozenset({"x"}))  # no presence: may be missing
    assert {reader.kind_for(tmp_path / name) for name in ("a.csv", "b.npz", "c.png", "d")} == {CsvIngest}


@pytest.mark.parametrize("name, kind", [("a.csv", CsvIngest), ("a.NPZ", NpzIngest), ("a.png", NpzIngest),
                                        ("a.tfrecord", TFRecordIngest), ("a.gz", TFRecordIngest)])
def test_a_model_pushed_before_its_kind_was_recorded_reads_by_suffix(tmp_path, name, kind):
    model = pushed(tmp_path / "model", None)
    (model / "assets.extra" / "tfxflow.json").write_text('{"model": "m", "data": "d", "lineage": "l"}')  # the Pusher's
    assert Reader.of(model).kind_for(tmp_path / name) is kind


def test_a_model_without_an_input_schema_reads_every_input_as_mnist(tmp_path):
    reader = Reader.of(pushed(tmp_path / "model", None, schema=None))
    assert reader.layout.mnist and {reader.kind_for(tmp_path / name) for name in ("a.npz", "a.png")} == {MnistIngest}
    with pytest.raises(PredictError, match="no-model: no saved_model.pb and no numbered versions; expected a pushed"):
        Reader.of(tmp_path / "no-model")  # before any input is read as something it is not


def test_a_directory_is_tfrecords_and_an_unknown_suffix_one_line(tmp_path):
    reader = Reader.of(pushed(tmp_path / "model", None))
    assert reader.kind_for(tmp_path) is TFRecordIngest
    with pytest.raises(PredictError, match=r"a.txt: not an input predict reads; expected .csv, .npz, TFRecords"):
        reader.kind_for(tmp_path / "a.txt")


def test_a_users_kind_that_cannot_be_imported_is_one_line_naming_the_model(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = pushed(tmp_path / "model", {"kind": "their_data.kinds:Parquet"})
    with pytest.raises(PredictError) as refused:
        Reader.of(model)
    assert str(refused.value) == (f"{model}: the model's ingest kind: 'their_data.kinds:Parquet': no module their_data"
                                  f".kinds importable from {tmp_path}; run predict where its pipeline runs")


def test_every_kind_reads_tfrecords_named_across_files(tmp_path):
    (tmp_path / "records").mkdir()
    tfrecords(tmp_path / "records" / "a.tfrecord", [0.0, 1.0])
    tfrecords(tmp_path / "records" / "b.gz", [2.0], "GZIP")
    for kind in (TFRecordIngest, BakerIngest, CsvIngest, NpzIngest, MnistIngest, Plain, TextLines):
        kind.check_prediction_input(tmp_path / "records", LAYOUT)
        batches = list(kind.prediction_examples(tmp_path / "records", LAYOUT))
        assert [name for batch in batches for name in batch.names] == [f"{tmp_path / 'records'}[{i}]" for i in range(3)]


def test_what_is_not_tfrecords_is_refused_from_its_first_bytes(tmp_path):
    check_tfrecords(tfrecords(tmp_path / "empty.tfrecord", []))  # no records: nothing to predict
    text = tmp_path / "notes.tfrecord"
    text.write_text("age,plan\n30,pro\n")
    with pytest.raises(PredictError, match=r"notes.tfrecord: not a TFRecord file \(no record header at its start\)"):
        check_tfrecords(text)
    (tmp_path / "plain.gz").write_bytes(tfrecords(tmp_path / "plain", [1.0]).read_bytes())
    with pytest.raises(PredictError, match=r"plain.gz: not gzipped \("):
        check_tfrecords(tmp_path / "plain.gz")
    (tmp_path / "empty").mkdir()
    with pytest.raises(PredictError, match="empty: an empty directory; expected TFRecord files of tf.Examples"):
        check_tfrecords(tmp_path / "empty")


def test_a_corrupt_record_is_found_while_reading(tmp_path):
    path = tfrecords(tmp_path / "cut.tfrecord", [1.0, 2.0])
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(PredictError, match=r"cut.tfrecord: not readable as TFRecords \("):
        list(read_tfrecords(path))


def test_a_users_kind_reads_its_own_files_and_tfrecords(tmp_path):
    (tmp_path / "values.txt").write_text("0.5\n1.5\n")
    reader = Reader(LAYOUT, TextLines)
    [batch] = reader.examples(reader.check(tmp_path / "values.txt"))
    assert batch.names == [f"{tmp_path / 'values.txt'}[0]", f"{tmp_path / 'values.txt'}[1]"]
    assert tf.train.Example.FromString(batch.records[1]).features.feature["x"].float_list.value == [1.5]
    with pytest.raises(PredictError, match="not a TFRecord file"):
        Reader(LAYOUT, Plain).check(tmp_path / "values.txt")  # a kind that says nothing reads TFRecords only


@pytest.mark.parametrize("value, shown", [(0.8414709568, "0.8415"), (-3.14159, "-3.142"), (12.3456, "12.35"),
                                          (254321.5, "254322"), (1.0, "1.000"), (0.0, "0.000"),
                                          (1.5e-05, "1.500e-05"), (2e20, "2.000e+20"), (float("nan"), "nan")])
def test_a_value_is_shown_with_four_significant_digits_and_its_whole_integer_part(value, shown):
    assert readable(value) == shown


def test_a_prediction_is_a_class_or_a_value():
    assert Prediction("a.csv[0]", "pro", 0.97312).line() == "a.csv[0]: pro (p=0.973)"
    assert Prediction("a.csv[0]", "pro", 0.97312).to_json() == {"input": "a.csv[0]", "class": "pro",
                                                                "probability": 0.9731}
    assert Prediction("a.csv[0]", value=0.84147096).line() == "a.csv[0]: 0.8415"
    assert Prediction("a.csv[0]", value=0.84147096).to_json() == {"input": "a.csv[0]", "value": 0.84147096}


def test_a_regression_model_prints_values(tmp_path, sine_model):
    rows = tmp_path / "new.csv"
    rows.write_text("x\n1.0\n0.5\n")
    result = predict("--model", sine_model, "--input", rows)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [f"{rows}[0]: 0.8415", f"{rows}[1]: 0.4794"]
    result = predict("--model", sine_model, "--input", rows, "--json")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [sorted(line) for line in lines] == [["input", "value"]] * 2 and lines[1]["input"] == f"{rows}[1]"
    assert lines[0]["value"] == pytest.approx(math.sin(1.0), abs=1e-6)
    assert len(json.dumps(lines[0]["value"])) <= 11  # float32's digits: 0.84147096


def test_a_users_kind_reads_inputs_and_a_bad_one_is_reported_after_the_others(tmp_path, sine_model):
    model = tmp_path / "model"
    shutil.copytree(sine_model, model)
    pushed(model, {"kind": "test_predict_kinds:TextLines"})
    (tmp_path / "values.txt").write_text("1.0\n")
    records = tfrecords(tmp_path / "more.tfrecord", [0.5])
    bad = tmp_path / "bad.tfrecord"
    bad.write_text("not records")
    result = predict("--model", model, "--input", tmp_path / "values.txt", "--input", bad, "--input", records)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [(f"{bad}: not a TFRecord file (no record header at its start); expected "
                                           "TFRecords of tf.Examples (a file, .gz or a directory)")]
    assert result.stdout.splitlines() == [f"{tmp_path / 'values.txt'}[0]: 0.8415", f"{records}[0]: 0.4794"]
