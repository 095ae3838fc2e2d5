"""No CSV input is silently misread: a UTF-8 BOM is dropped wherever a header is read, a column named twice
is refused, `predict` refuses a header that lacks a feature the model needs (naming the columns it has
instead) and notes one the schema lets be missing, rows are read a batch at a time, and text that is not
UTF-8, a header without rows or a path that is no model is one line while the other inputs go on."""
import json
import re
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from click.testing import CliRunner
from tfx_bsl.coders.example_coder import ExamplesToRecordBatchDecoder

from tfxflow.components.file_example_gen.csv_rows import csv_example_batches, csv_examples
from tfxflow.components.file_example_gen.csv_text import CsvError, csv_header
from conftest import REPO
from tfxflow.pipelines.cli import main

# The input schema of the stand-in model: income always present, region may be missing.
SCHEMA = """feature { name: "income" type: FLOAT presence { min_fraction: 1.0 min_count: 1 } }
feature { name: "region" type: BYTES presence { min_count: 1 } }
"""


class Plans(tf.Module):
    """A stand-in classifier of two plans: pro when income is above 50."""

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def serve(self, examples):
        parsed = tf.io.parse_example(examples, {"income": tf.io.FixedLenFeature([1], tf.float32),
                                                "region": tf.io.FixedLenFeature([1], tf.string, [b""])})
        pro = tf.sigmoid(parsed["income"][:, 0] - 50.0)
        probabilities = tf.stack([1.0 - pro, pro], axis=1)
        return {"probabilities": probabilities, "class": tf.gather(tf.constant(["basic", "pro"]),
                                                                     tf.argmax(probabilities, axis=1))}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    directory = tmp_path_factory.mktemp("plans") / "1"
    plans = Plans()
    tf.saved_model.save(plans, str(directory), signatures={"serving_default": plans.serve})
    (directory / "assets.extra").mkdir()
    (directory / "assets.extra" / "input_schema.pbtxt").write_text(SCHEMA)
    (directory / "assets.extra" / "model_info.json").write_text(json.dumps({"kind": "csv"}))
    return directory


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def predict(model, *inputs):
    done = CliRunner().invoke(main, ["predict", "--model", str(model), *[f"--input={path}" for path in inputs]])
    return done.exit_code, done.stdout, done.stderr


def test_a_bom_is_dropped_from_the_first_column_name(tmp_path):
    path = write(tmp_path / "bom.csv", "\ufeffage,plan\n30,pro\n")
    assert csv_header(str(path)) == ["age", "plan"]
    assert b"\xef\xbb\xbf" not in b"".join(csv_examples([str(path)]))


@pytest.mark.parametrize("text, expected", [
    ("a,a,label\n1,2,x\n", "the header names 'a' more than once; expected each column once"),
    (b"\xffage,plan\n1,x\n", "its header row is not UTF-8 text (invalid start byte at byte 0)"),
    ("", "no header row; expected a first row naming the columns"),
    ("\n1,2\n", "no header row; expected a first row naming the columns"),
])
def test_a_header_that_cannot_be_read_as_written_is_one_line(tmp_path, text, expected):
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(CsvError, match="^" + str(path) + ": ") as error:
        csv_header(str(path))
    assert expected in str(error.value)


def test_rows_come_a_batch_at_a_time_and_bad_text_names_its_row(tmp_path):
    rows = "".join(f"{i},north\n" for i in range(2500))
    path = write(tmp_path / "rows.csv", b"income,region\n" + rows.encode() + b"7,s\xe9d\n")
    batches = csv_example_batches(str(path), {"income": "FLOAT", "region": "BYTES"}, size=1024)
    assert len(next(batches)) == 1024 and len(next(batches)) == 1024  # read before the bad row is reached
    with pytest.raises(CsvError, match=r"rows.csv: row 2502 is not UTF-8 text \(invalid continuation byte"):
        list(batches)


def test_predict_reads_a_bom_csv_and_notes_a_feature_the_schema_lets_be_missing(tmp_path, model):
    new = write(tmp_path / "new.csv", "\ufeffincome\n80\n20\n")
    code, stdout, stderr = predict(model, new)
    assert code == 0 and stdout.splitlines() == [f"{new}[0]: pro (p=1.000)", f"{new}[1]: basic (p=1.000)"]
    assert stderr.strip() == (f"notice: {tmp_path / 'new.csv'}: no column region; the model's schema lets it be "
                              "missing, so every row is read without it")


@pytest.mark.parametrize("text, expected", [
    ("Income,region\n80,north\n", "no column income, which the model reads; the header's other columns: Income; "
                                  "expected a column of each feature (income, region)"),
    ("income,income,region\n80,80,north\n", "the header names 'income' more than once; expected each column once"),
    ("income,region\n", "no rows after the header; expected a row per example"),
])
def test_predict_refuses_a_header_it_would_misread_and_goes_on_with_the_other_inputs(tmp_path, model, text,
                                                                                    expected):
    bad, good = write(tmp_path / "bad.csv", text), write(tmp_path / "good.csv", "region,income\nsouth,70\n")
    code, stdout, stderr = predict(model, bad, good)
    assert code == 2 and stdout.splitlines() == [f"{good}[0]: pro (p=1.000)"]
    assert stderr.splitlines() == [f"{bad}: {expected}"]


def test_text_that_is_not_utf8_is_one_line_and_the_other_inputs_are_predicted(tmp_path, model):
    latin = write(tmp_path / "latin.csv", b"income,region\n60,north\n40,s\xe9d\n")
    good = write(tmp_path / "good.csv", "income,region\n30,north\n")
    code, stdout, stderr = predict(model, latin, good)
    assert code == 2 and "good.csv[0]: basic (p=1.000)" in stdout
    assert stderr.strip() == (f"{latin}: row 3 is not UTF-8 text (invalid continuation byte at byte 4); expected "
                              "a UTF-8 CSV file")


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity"])
def test_a_number_that_is_not_finite_is_one_line_and_the_other_inputs_are_predicted(tmp_path, model, value):
    bad = write(tmp_path / "bad.csv", f"income,region\n60,north\n{value},south\n")
    good = write(tmp_path / "good.csv", "income,region\n30,north\n")
    code, stdout, stderr = predict(model, bad, good)
    assert code == 2 and stdout.splitlines() == [f"{good}[0]: basic (p=1.000)"]
    assert stderr.strip() == (f"{bad}: column income holds {value!r}, not a finite number; expected values of the "
                              "schema's types")


def test_drift_and_schema_infer_read_nan_as_the_data_holds_it(tmp_path):
    path = write(tmp_path / "rows.csv", "income\nnan\n2\n")
    assert len(next(csv_example_batches(str(path), {"income": "FLOAT"}))) == 2


def test_a_model_path_that_holds_no_model_is_refused_before_any_input(tmp_path):
    partial = tmp_path / "serving" / ".17.partial-abc"  # what a killed push leaves
    partial.mkdir(parents=True)
    code, stdout, stderr = predict(tmp_path / "serving", write(tmp_path / "ok.csv", "income\n1\n"))
    assert code == 2 and stdout == ""
    assert stderr.strip() == (f"{tmp_path / 'serving'}: no saved_model.pb and no numbered versions; expected a "
                              "pushed model directory")


def test_predict_memory_does_not_hold_the_whole_file(tmp_path, model):
    """20,000 rows are predicted 1,024 at a time: the reader never holds more than a batch of records."""
    rows = np.arange(20_000) % 100
    path = write(tmp_path / "big.csv", "income,region\n" + "".join(f"{v},north\n" for v in rows))
    sizes = [len(batch) for batch in csv_example_batches(str(path), {"income": "FLOAT", "region": "BYTES"})]
    assert max(sizes) == 1024 and sum(sizes) == 20_000
    code, stdout, _ = predict(model, path)
    assert code == 0 and len(stdout.splitlines()) == 20_000


def test_a_component_module_that_raises_at_import_is_refused_at_validate(tmp_path, monkeypatch):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "__init__.py").write_text("")
    (tmp_path / "broken" / "counting.py").write_text("raise RuntimeError('boom')\n")
    (tmp_path / "p.yaml").write_text("name: baker\ningest: {kind: baker}\ncomponents:\n"
                                     "  - {id: RowCount, class: 'broken.counting:RowCount'}\n")
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, ["validate", "p.yaml"])
    assert done.exit_code == 2
    assert done.stderr.strip() == ("components: RowCount: 'broken.counting:RowCount': importing broken.counting "
                                   "raised RuntimeError: boom")


def test_schema_infer_on_a_header_without_rows_names_the_data_not_an_option(tmp_path, monkeypatch):
    write(tmp_path / "empty.csv", "age,plan\n")
    (tmp_path / "p.yaml").write_text("name: empty\ningest: {kind: csv, path: empty.csv}\nlabel: {key: plan}\n")
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, ["schema", "infer", "p.yaml", "--output", "s.pbtxt"])
    assert done.exit_code == 2 and "--data" not in done.stderr
    assert "no training examples in the rows of" in done.stderr and "empty.csv" in done.stderr


def test_a_tfrecord_corrupt_past_its_first_record_is_refused_before_the_model_loads(tmp_path):
    from tfxflow.pipelines.model_inputs import PredictError, check_tfrecords

    path = tmp_path / "x.tfrecord"
    with tf.io.TFRecordWriter(str(path)) as writer:
        for value in (b"first", b"second", b"third"):
            writer.write(value)
    check_tfrecords(path)
    data = bytearray(path.read_bytes())
    data[12 + 5 + 4 + 12 + 2] ^= 0xFF  # a byte of the second record's data
    path.write_bytes(bytes(data))
    with pytest.raises(PredictError, match="x.tfrecord: record 1 is cut short or corrupt"):
        check_tfrecords(path)
    path.write_bytes(bytes(data[:12 + 5 + 4 + 12 + 3]))  # cut inside the second record
    with pytest.raises(PredictError, match="x.tfrecord: record 1 is cut short or corrupt"):
        check_tfrecords(path)


def test_a_record_claiming_a_huge_length_is_not_allocated(tmp_path):
    import struct

    from tfxflow.pipelines.model_inputs import PredictError, _masked_crc32c, check_tfrecords

    length = struct.pack("<Q", 2**60)
    (tmp_path / "huge.tfrecord").write_bytes(length + struct.pack("<I", _masked_crc32c(length)) + b"tiny")
    with pytest.raises(PredictError, match="record 0 is cut short or corrupt"):
        check_tfrecords(tmp_path / "huge.tfrecord")


@pytest.mark.parametrize("value, kind, expected", [
    (np.nan, "INT", "x_test[1] holds nan; expected whole numbers (the model's x is INT)"),
    (0.5, "INT", "x_test[1] holds 0.5; expected whole numbers (the model's x is INT)"),
    (np.inf, "FLOAT", "x_test[1] holds inf; expected finite numbers (the model's x is FLOAT)"),
])
def test_npz_rows_that_are_not_numbers_of_the_features_type_are_one_line(tmp_path, value, kind, expected):
    from tfxflow.pipelines.model_inputs import Layout, PredictError, read_npz_rows

    rows = np.zeros((3, 4), np.float64)
    rows[1, 2] = value
    np.savez(tmp_path / "rows.npz", x_test=rows)
    with pytest.raises(PredictError, match="^" + str(tmp_path / "rows.npz") + ": " + re.escape(expected) + "$"):
        list(read_npz_rows(Layout({"x": (kind, (4,))}), tmp_path / "rows.npz"))


def test_drift_refuses_data_lacking_a_required_feature_and_notes_an_optional_one():
    from tensorflow_metadata.proto.v0 import schema_pb2
    from google.protobuf import text_format

    from tfxflow.pipelines.drift import DriftInputError, _missing_features

    schema = text_format.Parse(SCHEMA + 'feature { name: "plan" type: BYTES presence { min_fraction: 1.0 } }',
                               schema_pb2.Schema())
    assert _missing_features(schema, {"income", "region", "plan"}, "plan", "new.csv") == ()
    assert _missing_features(schema, {"income"}, "plan", "new.csv") == (
        "new.csv: no feature region; the schema lets it be missing, so it is compared as missing",)
    with pytest.raises(DriftInputError, match=r"^new.csv: no feature income, which the schema requires; its other "
                                              r"features: Income; expected the features of the schema$"):
        _missing_features(schema, {"Income", "region"}, "plan", "new.csv")


@pytest.mark.parametrize(("count", "size"), [(100, 1 << 20), (10_000, 2000)])  # batches by count, by bytes
def test_drift_measures_new_data_a_batch_at_a_time_as_one_batch_would(monkeypatch, count, size):
    from tfxflow.components.drift_gate.drift import statistics_of, statistics_of_batches
    from tfxflow.components.npz_example_gen.examples import array_examples
    from tfxflow.pipelines import drift
    from tfxflow.pipelines.load import load_spec

    values = np.random.default_rng(0).random((250, 3)).astype(np.float32)
    records = array_examples(values, np.arange(250) % 2, "x", "label")
    pulled = []

    def stream():  # what a kind's new_examples may give: records read as they are asked for
        for record in records:
            pulled.append(record)
            yield record

    spec = load_spec(str(REPO / "pipelines" / "baker.yaml"))
    monkeypatch.setattr(type(spec.ingest), "new_examples", lambda self, data, label: (stream(), "a stream"))
    monkeypatch.setattr(drift, "BATCH_EXAMPLES", count)
    monkeypatch.setattr(drift, "BATCH_BYTES", size)
    sizes = []

    def counted(batches, *args, **options):
        return statistics_of_batches((sizes.append(batch.num_rows) or batch for batch in batches), *args, **options)

    monkeypatch.setattr(drift, "statistics_of_batches", counted)
    statistics, _, examples = drift.new_data_statistics(spec, None)
    whole = statistics_of(ExamplesToRecordBatchDecoder().DecodeBatch(records), drift.load_schema(str(spec.schema_file)))
    assert examples == 250 and len(pulled) == 250
    assert sum(sizes) == 250 and 2 < len(sizes) < 10, sizes
    assert statistics.datasets[0].num_examples == whole.datasets[0].num_examples == 250
    by_name = {f.path.step[0]: f for f in statistics.datasets[0].features}
    whole_by_name = {f.path.step[0]: f for f in whole.datasets[0].features}
    assert by_name["x"].num_stats.mean == pytest.approx(whole_by_name["x"].num_stats.mean, rel=1e-6)
    monkeypatch.setattr(type(spec.ingest), "new_examples", lambda self, data, label: (iter(()), "nothing"))
    with pytest.raises(drift.DriftInputError, match="--data: no examples found"):
        drift.new_data_statistics(spec, None)
