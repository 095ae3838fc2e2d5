"""A user's own data in a pipeline file, checked before anything runs: the csv, tfrecord and npz kinds
(pipelines/ingest/), their files and splits, the label and model against the schema, and the readers
`schema infer`, `drift` and `predict` share with the ExampleGens (CSV rows, npz arrays)."""
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from conftest import problems
from tfxflow.components.file_example_gen.csv_rows import csv_examples
from tfxflow.components.file_example_gen.csv_text import CsvError
from tfxflow.components.npz_example_gen.arrays import open_arrays
from tfxflow.components.npz_example_gen.examples import array_examples
from tfxflow.components.npz_example_gen.mnist_npz import Npz, NpzError
from tfxflow.pipelines.load import load_spec
from tfxflow.pipelines.ingest.csv import CsvIngest
from tfxflow.pipelines.ingest.npz import NpzIngest
from tfxflow.pipelines.model_inputs import Layout, PredictError
from tfxflow.pipelines.predict import Reader
from tfxflow.pipelines.schema_infer import infer_schema
from user_project import write_customers, write_shapes

SCHEMA = """
feature { name: "age" type: INT value_count { max: 1 } }
feature { name: "region" type: BYTES value_count { max: 1 } }
feature { name: "plan" type: BYTES domain: "plan" shape { dim { size: 1 } } }
string_domain { name: "plan" value: "basic" value: "pro" }
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A user's project directory with a CSV, its schema and a pipeline file naming them."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "rows.csv").write_text("age,region,plan\n30,north,basic\nNA,,pro\n41,south,pro\n")
    (tmp_path / "schema.pbtxt").write_text(SCHEMA)
    return tmp_path


def pipeline(project: Path, ingest: str, rest: str = "label: {key: plan}\n") -> Path:
    path = project / "p.yaml"
    path.write_text(f"name: p\ningest: {ingest}\nschema_file: schema.pbtxt\n{rest}")
    return path


def test_a_csv_pipeline_names_its_file_and_gets_the_defaults(project):
    spec = load_spec(pipeline(project, "{kind: csv, path: data/rows.csv}"))
    assert spec.ingest.eval_fraction == 0.2 and spec.trainer.model == "mlp" and spec.transform.normalize == "z_score"
    assert spec.label.key == "plan" and spec.target().classes == ("basic", "pro")


@pytest.mark.parametrize("ingest, expected", [
    ("{kind: csv, path: data/none.csv}", "ingest.path: expected an existing file or directory, data/none.csv is"),
    ("{kind: csv, path: 'data/*.tsv'}", "ingest.path: expected a glob matching files, data/*.tsv matches none"),
    ("{kind: csv, path: data/rows.csv, eval_fraction: 0.333}", "ingest.eval_fraction: expected a multiple of 0.01"),
    ("{kind: csv, path: data/rows.csv, eval_fraction: 0.6}", "ingest.eval_fraction: Input should be less than or"),
    ("{kind: tfrecord, path: hdfs://nn/x}", "ingest.path: hdfs:// is not supported: HDFS needs Hadoop's libhdfs"),
    ("{kind: npz, path: data/rows.csv, colour: red}", "ingest.colour: unknown key for kind 'npz'"),
])
def test_data_a_kind_cannot_read_is_refused_naming_the_key(project, ingest, expected):
    lines = problems(pipeline(project, ingest))
    assert any(expected in line for line in lines), lines


@pytest.mark.parametrize("rest, expected", [
    ("label: {key: churned}\n", "p.yaml:4: label.key: 'churned' is not a feature of the schema; expected one of"),
    ("label: {key: age}\n", "schema_file: schema.pbtxt: label 'age': expected one value in every example"),
    ("label: {key: plan}\ntrainer: {model: cnn}\n",
     "trainer.model: cnn needs an image feature (shape H x W or H x W x C); the schema has none"),
    ("label: {key: plan}\ntrainer: {model: resnet}\n",
     "trainer.model: 'resnet' is not a csv model; expected one of cnn, conv, mlp, or package.module:function"),
    ("label: {key: plan}\ntransform: {normalize: fixed_range}\n",
     "schema_file: schema.pbtxt: feature 'age': transform.normalize is fixed_range but the schema gives it no range"),
])
def test_a_label_or_model_the_schema_cannot_serve_is_refused_before_running(project, rest, expected):
    lines = problems(pipeline(project, "{kind: csv, path: data/rows.csv}", rest))
    assert len(lines) == 1 and expected in lines[0], lines


def test_a_users_preprocessing_fn_decides_what_the_schema_must_hold(project):
    (project / "my_prep.py").write_text("def preprocessing_fn(inputs, custom_config):\n    return inputs\n")
    spec = load_spec(pipeline(project, "{kind: csv, path: data/rows.csv}",
                              "label: {key: plan}\ntransform: {normalize: fixed_range, preprocessing_fn: "
                              "'my_prep:preprocessing_fn'}\n"))
    assert spec.transform.preprocessing_fn == "my_prep:preprocessing_fn"


def test_files_are_split_by_their_folders_or_by_hash(project):
    (project / "data" / "train").mkdir()
    (project / "data" / "eval").mkdir()
    spec = load_spec(pipeline(project, "{kind: csv, path: data}"))
    base = str(project / "data")
    assert spec.ingest.sources(base) == (base, {"all": "*.csv"})  # empty train/ and eval/ are not splits
    (project / "data" / "train" / "a.csv").write_text("age,region,plan\n")
    (project / "data" / "eval" / "b.csv").write_text("age,region,plan\n")
    assert spec.ingest.sources(base) == (base, {"train": "train/*.csv", "eval": "eval/*.csv"})
    assert spec.ingest.sources(f"{base}/rows.csv") == (base, {"all": "rows.csv"})
    assert spec.ingest.sources(f"{base}/part-*.csv") == (base, {"all": "part-*.csv"})
    assert spec.ingest.sources("gs://acme/data/") == ("gs://acme/data", {"all": "*.csv"})


def test_csv_rows_are_read_as_csv_example_gen_writes_them_with_na_missing(project):
    [first, second, _] = [tf.train.Example.FromString(r).features.feature
                          for r in csv_examples([str(project / "data" / "rows.csv")])]
    assert first["age"].int64_list.value == [30] and first["region"].bytes_list.value == [b"north"]
    assert second["age"].int64_list.value == [] and second["region"].bytes_list.value == []  # NA and empty
    typed = tf.train.Example.FromString(csv_examples([str(project / "data" / "rows.csv")], {"age": "FLOAT"})[0])
    assert typed.features.feature["age"].float_list.value == [30.0]
    assert typed.features.feature["plan"].WhichOneof("kind") is None  # not a column of the schema: no values


def test_a_csv_row_of_the_wrong_width_is_one_line(project):
    bad = project / "bad.csv"
    bad.write_text("age,plan\n1,basic\n2,pro,extra\n")
    with pytest.raises(CsvError, match=r"bad.csv: row 3 has 3 cells; expected 2"):
        csv_examples([str(bad)])


def test_any_numeric_npz_arrays_become_rows_of_one_feature(tmp_path):
    path = tmp_path / "shapes.npz"
    arrays = write_shapes(path, train=6, test=4)
    with Npz(path) as npz:
        splits = open_arrays(npz)
        x = npz.read(splits["train"].images)
    np.testing.assert_array_equal(x, arrays["x_train"])
    [example] = [tf.train.Example.FromString(r) for r in array_examples(x[:1], np.array(["cat"]), "x", "kind")]
    assert list(example.features.feature["x"].int64_list.value) == x[0].ravel().tolist()
    assert example.features.feature["kind"].bytes_list.value == [b"cat"]
    floats = tf.train.Example.FromString(array_examples(np.ones((1, 2), np.float64), None, "v", "")[0])
    assert list(floats.features.feature["v"].float_list.value) == [1.0, 1.0]


@pytest.mark.parametrize("change, expected", [
    ({"x_test": np.zeros((4, 32, 32), np.uint8)}, "x_test: rows of shape (32, 32) and dtype uint8; expected those "
                                                   "of x_train, (32, 32, 3) and uint8"),
    ({"x_train": np.array(["a"] * 6)}, "x_train: dtype <U1; expected numbers"),
    ({"y_train": np.array([0, 1, 2, 3, -1, 0])}, "y_train: a label of -1; expected class ids 0..N-1"),
    ({"y_test": np.zeros((4, 2), np.int64)}, "y_test: int64 array of shape (4, 2); expected N integer class ids"),
])
def test_npz_arrays_a_pipeline_cannot_use_are_one_line(tmp_path, change, expected):
    path = tmp_path / "shapes.npz"
    arrays = write_shapes(path, train=6, test=4)
    np.savez(path, **{**arrays, **change})
    with pytest.raises(NpzError) as raised, Npz(path) as npz:
        open_arrays(npz)
    assert str(raised.value).startswith(f"{path}: {expected}")


def test_schema_infer_gives_npz_images_their_shape_and_range(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_shapes(tmp_path / "shapes.npz", train=40, test=10)
    (tmp_path / "p.yaml").write_text("name: p\ningest: {kind: npz, path: shapes.npz}\n")
    inferred, described = infer_schema(load_spec(tmp_path / "p.yaml", schema_required=False))
    features = {feature.name: feature for feature in inferred.feature}
    assert [dim.size for dim in features["x"].shape.dim] == [32, 32, 3] and features["x"].int_domain.max == 250
    assert (features["label"].int_domain.min, features["label"].int_domain.max) == (0, 3)
    assert described == f"x_train of {tmp_path / 'shapes.npz'}"


def test_schema_infer_marks_csv_columns_with_missing_cells(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_customers(tmp_path / "customers.csv", rows=200)
    (tmp_path / "p.yaml").write_text("name: p\ningest: {kind: csv, path: customers.csv}\nlabel: {key: plan}\n")
    inferred, _ = infer_schema(load_spec(tmp_path / "p.yaml", schema_required=False))
    features = {feature.name: feature for feature in inferred.feature}
    assert features["age"].value_count.max == 1 and not features["age"].HasField("shape")  # some NA
    assert [dim.size for dim in features["tenure"].shape.dim] == [1]  # always one value
    assert features["plan"].domain == "plan" and features["plan"].drift_comparator.HasField("infinity_norm")


def test_predict_reads_each_input_as_the_models_features(tmp_path):
    layout = Layout({"age": ("INT", ()), "region": ("BYTES", ())})
    rows = tmp_path / "new.csv"
    rows.write_text("region,age\nnorth,30\n,NA\n")
    [examples] = list(CsvIngest.prediction_examples(rows, layout))
    assert examples.names == [f"{rows}[0]", f"{rows}[1]"]
    assert tf.train.Example.FromString(examples.records[0]).features.feature["age"].int64_list.value == [30]
    npz = tmp_path / "rows.npz"
    np.savez(npz, x=np.zeros((2, 4), np.uint8))
    with pytest.raises(PredictError, match="holds one array, but the model reads 2 features"):
        NpzIngest.check_prediction_input(npz, layout)
    with pytest.raises(PredictError, match=r"rows of shape \(4,\); expected 3 values \(the model's v, shape \[3\]\)"):
        NpzIngest.check_prediction_input(npz, Layout({"v": ("FLOAT", (3,))}))
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(PredictError, match=r"not an input predict reads; expected .csv, .npz, TFRecords"):
        Reader(layout, None).check(tmp_path / "notes.txt")  # a model pushed before its kind was recorded


def test_the_code_a_pipeline_runs_is_the_users_where_named(project):
    from tfxflow.pipelines.build import model_functions

    (project / "my_code.py").write_text("def run_fn(fn_args):\n    pass\n\ndef prep(inputs, custom_config):\n"
                                        "    return inputs\n")
    defaults = model_functions(load_spec(pipeline(project, "{kind: csv, path: data/rows.csv}")))
    assert defaults == {"preprocessing_fn": "tfxflow.components.feature_model.preprocessing.preprocessing_fn",
                        "run_fn": "tfxflow.components.feature_model.model.run_fn",
                        "model_fn": "tfxflow.components.feature_model.model:mlp"}  # a registered model's module
    own = model_functions(load_spec(pipeline(project, "{kind: csv, path: data/rows.csv}", "label: {key: plan}\n"
                                             "transform: {preprocessing_fn: 'my_code:prep'}\n"
                                             "trainer: {run_fn: 'my_code:run_fn'}\n")))
    assert own["preprocessing_fn"] == "my_code.prep" and own["run_fn"] == "my_code.run_fn"
