"""Pipeline files: defaults, overrides, and one clear line per problem (pipelines/spec.py, load.py)."""
import functools
from pathlib import Path

import pytest

from tfxflow.pipelines.load import apply_override, load_spec
from tfxflow.pipelines.spec import ingest_kind

from conftest import REPO, problems

MINIMAL = "name: baker\ningest:\n  kind: baker\n"


def test_minimal_file_gets_every_default(write_spec):
    spec = load_spec(write_spec(MINIMAL))
    assert spec.ingest.length == 100 and spec.trainer.model == "mlp"
    assert spec.run.root == Path("runs/baker")
    assert spec.pusher.serving_dir == Path("runs/baker/serving")
    assert spec.schema_file == REPO / "schemas" / "baker" / "schema.pbtxt"


def test_shipped_baker_file_is_valid():
    spec = load_spec(REPO / "pipelines" / "baker.yaml")
    assert (spec.name, spec.ingest.examples, spec.ingest.eval_examples) == ("baker", 20000, 2000)


def test_overrides_set_dotted_keys_as_yaml_values(write_spec):
    spec = load_spec(
        write_spec(MINIMAL),
        ["trainer.epochs=1", "ingest.seed=7", "run.root=/tmp/x", "beam.args=[--a, --b]", "run.cache=false"],
    )
    assert spec.trainer.epochs == 1 and spec.ingest.seed == 7
    assert spec.run.root == Path("/tmp/x") and spec.pusher.serving_dir == Path("/tmp/x/serving")
    assert spec.beam.args == ["--a", "--b"] and spec.run.cache is False


@pytest.mark.parametrize(
    "override, expected",
    [
        ("trainer.epochs=-1", "--set trainer.epochs: Input should be greater than or equal to 1, got -1"),
        ("trainer.epochs=many", "--set trainer.epochs: Input should be a valid integer"),
        ("evaluator.min_accuracy=1.01", "--set evaluator.min_accuracy: Input should be less than or equal to 1"),
        ("evaluator.min_accuracy=-0.1", "--set evaluator.min_accuracy: Input should be greater than or equal to 0"),
        ("trainer.dropout=0.5", "--set trainer.dropout: unknown key"),
        ("schema_file=missing.pbtxt", "--set schema_file: expected an existing schema file, missing.pbtxt is not one"),
        ("ingest.kind=parquet", "--set ingest.kind: 'parquet': no ingest kind of that name; expected one of baker, "
                                "csv, mnist, npz, sine, tfrecord, or package.module:Name importable from the working "
                                "directory"),
        ("name=../escape", "--set name: '../escape' is not a valid pipeline name; expected lowercase letters"),
    ],
)
def test_bad_override_is_refused_naming_the_key(write_spec, override, expected):
    [line] = problems(write_spec(MINIMAL), [override])
    assert line.startswith(expected)


def test_errors_in_the_file_name_file_line_and_key(write_spec):
    path = write_spec(
        "name: baker\n"
        "ingest:\n"
        "  kind: baker\n"
        "  examples: 0\n"
        "trainer:\n"
        "  epochs: -3\n"
        "  optimiser: sgd\n"
        "evaluator:\n"
        "  min_accuracy: 2\n"
    )
    assert problems(path) == [
        f"{path}:4: ingest.examples: Input should be greater than or equal to 2, got 0",
        f"{path}:6: trainer.epochs: Input should be greater than or equal to 1, got -3",
        f"{path}:7: trainer.optimiser: unknown key",
        f"{path}:9: evaluator.min_accuracy: Input should be less than or equal to 1, got 2",
    ]


def test_missing_name_and_ingest_are_reported(write_spec):
    path = write_spec("trainer: {epochs: 1}\n")
    assert problems(path) == [f"{path}:1: name: required key is missing", f"{path}:1: ingest: required key is missing"]


def test_model_must_be_one_the_ingest_kind_offers(write_spec):
    [line] = problems(write_spec(MINIMAL + "trainer:\n  model: resnet\n"))
    assert line.endswith("trainer.model: 'resnet' is not a baker model; expected one of mlp, conv, or "
                         "package.module:function(feature_shapes, outputs) -> tf.keras.Model")
    assert ":5:" in line


@pytest.mark.parametrize("model, expected", [
    ("nowhere.models:build", "'nowhere.models:build': no module nowhere.models importable from "),
    ("my_models.cnn:1x", "'my_models.cnn:1x': expected package.module:name"),
])
def test_a_users_model_path_must_name_a_module_that_exists(write_spec, model, expected):
    [line] = problems(write_spec(MINIMAL), [f"trainer.model={model}"])
    assert line.startswith(f"--set trainer.model: {expected}")


def test_a_users_model_path_is_found_from_the_working_directory_without_importing_it(write_spec, tmp_path,
                                                                                     monkeypatch):
    (tmp_path / "my_models").mkdir()
    (tmp_path / "my_models" / "cnn.py").write_text("raise SystemExit('imported')\n")  # importing it would fail
    monkeypatch.chdir(tmp_path)
    spec = load_spec(write_spec(MINIMAL), ["trainer.model=my_models.cnn:build"])
    assert spec.trainer.model == "my_models.cnn:build"


def test_not_yaml_and_not_a_mapping_are_one_line_errors(write_spec):
    [line] = problems(write_spec("name: [unclosed\n"))
    assert "not valid YAML" in line and "pipeline.yaml:2" in line
    [line] = problems(write_spec("- just\n- a list\n"))
    assert line.endswith("expected a mapping of settings (name:, ingest:, ...) at the top level")
    [line] = problems(Path("/nonexistent/pipeline.yaml"))
    assert line.startswith("/nonexistent/pipeline.yaml: cannot read the pipeline file")


@pytest.mark.parametrize("override", ["trainer.epochs", "=1", "trainer..epochs=1", "name.sub=1"])
def test_malformed_override_is_refused(write_spec, override):
    [line] = problems(write_spec(MINIMAL), [override])
    assert line.startswith(f"--set {override}:")


def test_declared_models_are_the_ones_the_model_code_builds():
    from tfxflow.components.baker_model import model as baker
    from tfxflow.components.mnist_model import model as mnist
    from tfxflow.components.sine_model import model as sine

    assert set(ingest_kind("baker").MODELS) == set(baker.ARCHITECTURES)
    assert set(ingest_kind("mnist").MODELS) == set(mnist.ARCHITECTURES)
    assert set(ingest_kind("sine").MODELS) == set(sine.ARCHITECTURES)


def test_declared_labels_are_the_ones_the_generators_write():
    from tfxflow.components.baker_example_gen import sequences
    from tfxflow.components.sine_example_gen import points

    assert ingest_kind("baker").LABEL == sequences.LABEL and ingest_kind("sine").LABEL == points.LABEL


def test_mnist_file_gets_its_own_defaults(write_spec, tmp_path):
    (tmp_path / "mnist.npz").write_bytes(b"checked when ingested, not here")
    spec = load_spec(write_spec(f"name: mnist\ningest:\n  kind: mnist\n  path: {tmp_path / 'mnist.npz'}\n"))
    assert spec.transform.normalize == "fixed_range" and spec.trainer.model == "mlp"
    assert spec.schema_file == REPO / "schemas" / "mnist" / "schema.pbtxt"
    assert load_spec(REPO / "pipelines" / "mnist.yaml", ["ingest.path=null"]).ingest.path is None


def test_mnist_errors_name_keys_inside_the_ingest_kind(write_spec):
    path = write_spec(
        "name: mnist\ningest:\n  kind: mnist\n  path: nowhere.npz\n  shuffle: true\ntrainer:\n  model: conv\n"
    )
    assert problems(path) == [
        f"{path}:4: ingest.path: expected an existing .npz file, nowhere.npz is not one",
        f"{path}:5: ingest.shuffle: unknown key for kind 'mnist'",
    ]
    [line] = problems(write_spec("name: mnist\ningest: {kind: mnist}\ntrainer:\n  model: conv\n"))
    assert line.endswith(":4: trainer.model: 'conv' is not a mnist model; expected one of mlp, cnn, or "
                         "package.module:function(feature_shapes, outputs) -> tf.keras.Model")


def test_missing_ingest_kind_points_at_the_kind_key(write_spec):
    path = write_spec("name: x\ningest:\n  examples: 10\n")
    assert problems(path) == [f"{path}:2: ingest.kind: required key is missing"]


def test_locations_take_uris_as_given_and_check_local_files(write_spec, tmp_path):
    spec = load_spec(write_spec("name: m\ningest: {kind: mnist, path: gs://b/mnist.npz}\n"),
                     ["pusher.serving_dir=gs://b/serving", "schema_file=file:///etc/schema.pbtxt"])
    assert (spec.ingest.path, spec.pusher.serving_dir) == ("gs://b/mnist.npz", "gs://b/serving")
    assert spec.schema_file == "file:///etc/schema.pbtxt"
    [line] = problems(write_spec("name: m\ningest: {kind: mnist, path: nowhere.npz}\n"))
    assert line.endswith("ingest.path: expected an existing .npz file, nowhere.npz is not one")


@pytest.mark.parametrize("key", ["pusher.serving_dir", "ingest.path", "schema_file", "run.pipeline_root"])
@pytest.mark.parametrize("uri", ["s3://b/x", "minio://b/x", "S3://b/x", "gs://b/x"])
def test_object_store_uris_are_locations(write_spec, key, uri):
    spec = load_spec(write_spec("name: m\ningest: {kind: mnist, path: gs://b/mnist.npz}\n"), [f"{key}={uri}"])
    assert spec.locations()[key] == uri


@pytest.mark.parametrize("key", ["pusher.serving_dir", "ingest.path", "schema_file", "run.pipeline_root"])
@pytest.mark.parametrize("uri, reason", [("hdfs://h/x", "HDFS needs Hadoop's libhdfs and a JVM"),
                                         ("az://a/c/x", "Beam, which TFX's data components read and write with, "
                                                        "names it azfs://")])
def test_schemes_tfxflow_cannot_serve_are_refused_with_the_reason(write_spec, key, uri, reason):
    [line] = problems(write_spec("name: m\ningest: {kind: mnist, path: gs://b/mnist.npz}\n"), [f"{key}={uri}"])
    scheme = uri.split(":")[0]
    assert line.startswith(f"--set {key}: {scheme}:// is not supported: ") and reason in line
    assert line.endswith("expected a local path or gs://, s3://, minio://")


def test_run_root_stays_on_this_machine_and_says_where_artifacts_go(write_spec):
    [line] = problems(write_spec(MINIMAL), ["run.root=s3://b/runs"])
    assert line == ("--set run.root: expected a local directory, got 's3://b/runs': run.root holds the "
                    "MLMD SQLite store, logs and reports, which stay on this machine; put the artifacts in a bucket "
                    "with run.pipeline_root")


@pytest.mark.parametrize("root", ["s3://b/root", "minio://mlpipeline/v2/artifacts", "gs://b/root"])
def test_the_kubeflow_pipeline_root_may_be_in_any_store_kfps_launcher_writes(write_spec, root):
    assert load_spec(write_spec(MINIMAL), [f"kubeflow.pipeline_root={root}"]).kubeflow.pipeline_root == root


@pytest.mark.parametrize("root", ["file:///mnt/root", "/data", "hdfs://nn/root"])
def test_other_kubeflow_pipeline_roots_are_refused(write_spec, root):
    [line] = problems(write_spec(MINIMAL), [f"kubeflow.pipeline_root={root}"])
    assert line == (f"--set kubeflow.pipeline_root: expected a gs://, s3:// or minio:// URI, such as "
                    f"minio://mlpipeline/v2/artifacts, got {root!r}: KFP's launcher stores a run's artifacts only "
                    "there")


@pytest.mark.parametrize("name", ["baker", "a", "mnist-2", "0" + "x" * 127])
def test_pipeline_names_kfp_accepts_are_accepted(write_spec, name):
    assert load_spec(write_spec(MINIMAL), [f"name={name}"]).name == name


@pytest.mark.parametrize("name", ["Baker", "my_pipe", "-x", "x" * 129, "a.b", ""])
def test_pipeline_names_kfp_refuses_are_refused_with_its_rule(write_spec, name):
    [line] = problems(write_spec(MINIMAL), [f"name={name!r}"])
    assert line == (f"--set name: {name!r} is not a valid pipeline name; expected lowercase letters, digits and "
                    "'-', starting with a letter or digit, at most 128 characters (Kubeflow Pipelines' rule "
                    "^[a-z0-9][a-z0-9-]{0,127}$)")


def validate(*args):
    """`tfxflow validate ARGS`: (exit code, stderr lines)."""
    from click.testing import CliRunner

    from tfxflow.pipelines.cli import main

    result = CliRunner().invoke(main, ["validate", *map(str, args)])
    return result.exit_code, result.stderr.splitlines()


def test_settings_that_failed_mid_run_are_refused_by_validate(write_spec):
    """The issue's cases: each passed `tfxflow validate` and failed a minute into the run."""
    baker = REPO / "pipelines" / "baker.yaml"
    passwd = write_spec("root:x:0:0:root:/root:/bin/bash\n", "passwd")
    assert validate(baker, "--set", "trainer.seed=99999999999999999999999") == (2, [
        "--set trainer.seed: Input should be less than or equal to 4294967295, got 99999999999999999999999"])
    assert validate(baker, "--set", "ingest.examples=99999999999999999999") == (2, [
        "--set ingest.examples: Input should be less than or equal to 100000000, got 99999999999999999999"])
    path = write_spec(f"name: baker\ningest: {{kind: baker}}\nschema_file: {passwd}\n")
    assert validate(path) == (2, [
        f"{path}:3: schema_file: {passwd}: not a TFDV schema (text format): line 1:1: Message type "
        '"tensorflow.metadata.v0.Schema" has no field named "root"; expected a Schema in protobuf text format '
        "such as schemas/baker/schema.pbtxt"])
    path = write_spec(MINIMAL + "trainer:\n  epochs: 3\n  batch_size: 8\n  epochs: 5\n")
    assert validate(path) == (2, [f"{path}:7: not valid YAML: duplicate key 'epochs' (first at line 5)"])


@pytest.mark.parametrize(
    "override",
    ["trainer.seed=4294967295", "ingest.seed=4294967295", "trainer.seed=0", "trainer.epochs=10000",
     "trainer.batch_size=1000000", "trainer.learning_rate=10", "trainer.learning_rate=1e-3", "ingest.length=100000",
     "ingest={kind: baker, examples: 100000000, eval_examples: 100000000, length: 50}", "ingest.examples=2",
     "evaluator.min_accuracy=0", "evaluator.min_accuracy=1", "evaluator.max_accuracy_drop=1",
     "pusher.keep=1", "pusher.keep=1000000000000", "trainer.memory_mb=0", "trainer.memory_mb=1000000",
     "kubeflow.schedule={cron: '0 0 3 * * *', max_concurrency: 10}"],
)
def test_the_largest_and_smallest_usable_values_are_accepted(write_spec, override):
    spec = load_spec(write_spec(MINIMAL), [override])
    given: dict = {}
    apply_override(given, override)
    for keys, value in leaves(given):
        kept = setting(spec, keys)
        # a number YAML 1.1 reads as a string (1e-3) is compared as the number the setting holds
        assert kept == (type(kept)(value) if isinstance(value, str) else value), ".".join(keys)


# Shorthands the spec writes into other settings, and where.
MOVED = {("evaluator", "min_accuracy"): ("evaluator", "thresholds", "accuracy", "lower"),
         ("evaluator", "max_accuracy_drop"): ("evaluator", "change", "accuracy", "max_decrease")}


def setting(spec, keys: tuple[str, ...]) -> object:
    """The value a loaded spec holds for the setting `keys` (a.b.c as ("a", "b", "c"))."""
    return functools.reduce(lambda node, key: node[key] if isinstance(node, dict) else getattr(node, key),
                            MOVED.get(keys, keys), spec)


def leaves(tree: dict, keys: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    """Every value of a nested mapping, with the keys that lead to it."""
    return [pair for key, value in tree.items()
            for pair in (leaves(value, (*keys, key)) if isinstance(value, dict) else [((*keys, key), value)])]


@pytest.mark.parametrize(
    "override, expected",
    [
        ("trainer.seed=4294967296", "--set trainer.seed: Input should be less than or equal to 4294967295"),
        ("ingest.seed=4294967296", "--set ingest.seed: Input should be less than or equal to 4294967295"),
        ("trainer.seed=-1", "--set trainer.seed: Input should be greater than or equal to 0"),
        ("ingest.examples=100000001", "--set ingest.examples: Input should be less than or equal to 100000000"),
        ("ingest.eval_examples=100000001",
         "--set ingest.eval_examples: Input should be less than or equal to 100000000"),
        ("ingest.length=100001", "--set ingest.length: Input should be less than or equal to 100000"),
        ("ingest={kind: baker, examples: 100000, length: 100000}",
         "--set ingest: (examples + eval_examples) x length is 10,200,000,000 values; expected at most "
         "10,000,000,000 (written as float32 examples: 4 bytes a value on disk)"),
        ("trainer.epochs=10001", "--set trainer.epochs: Input should be less than or equal to 10000"),
        ("trainer.batch_size=1000001", "--set trainer.batch_size: Input should be less than or equal to 1000000"),
        ("trainer.learning_rate=0", "--set trainer.learning_rate: Input should be greater than 0"),
        ("trainer.learning_rate=.inf", "--set trainer.learning_rate: Input should be a finite number"),
        ("evaluator.min_accuracy=.nan", "--set evaluator.min_accuracy: Input should be a finite number"),
        ("pusher.keep=0", "--set pusher.keep: Input should be greater than or equal to 1"),
        ("trainer.memory_mb=-1", "--set trainer.memory_mb: Input should be greater than or equal to 0"),
        ("trainer.memory_mb=1000001", "--set trainer.memory_mb: Input should be less than or equal to 1000000"),
        ("trainer.epochs=yes", "--set trainer.epochs: expected a number, got True"),
        ("evaluator.min_accuracy=on", "--set evaluator.min_accuracy: expected a number, got True"),
        ("trainer.seed=1.5", "--set trainer.seed: Input should be a valid integer, got a number with a fractional"),
    ],
)
def test_values_beyond_what_the_components_take_are_refused(write_spec, override, expected):
    [line] = problems(write_spec(MINIMAL), [override])
    assert line.startswith(expected)


def test_a_schedule_kfp_refuses_is_refused(write_spec):
    [line] = problems(write_spec(MINIMAL), ["kubeflow.schedule={cron: '0 0 3 * * *', max_concurrency: 11}"])
    assert line.endswith("kubeflow.schedule.max_concurrency: Input should be less than or equal to 10, got 11")


@pytest.mark.parametrize("schema", sorted((REPO / "schemas").glob("*/schema.pbtxt")), ids=lambda path: path.parent.name)
def test_every_curated_schema_is_accepted_as_a_schema_file(write_spec, schema):
    kind = schema.parent.name  # each is its ingest kind's
    assert load_spec(write_spec(MINIMAL), [f"ingest={{kind: {kind}}}", f"schema_file={schema}"]).schema_file == schema


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "a TFDV schema with no features"),
        (b"# only a comment\n", "a TFDV schema with no features"),
        (b'feature { name: "x" type: FLOATY }\n', 'not a TFDV schema (text format): line 1:27: \'feature { name: "x" '
                                                  'type: FLOATY }\': Enum type "tensorflow.metadata.v0.FeatureType" '
                                                  "has no value named FLOATY"),
        (b"feature {\n  name: 'x'\n", 'not a TFDV schema (text format): line 2:9: Expected "}"'),
        (b"\x08\x01\xff\xfe", "not a TFDV schema (not UTF-8 text)"),
    ],
)
def test_a_schema_file_that_is_not_a_schema_is_refused_naming_it(write_spec, tmp_path, content, expected):
    schema = tmp_path / "schema.pbtxt"
    schema.write_bytes(content)
    [line] = problems(write_spec(MINIMAL), [f"schema_file={schema}"])
    assert line == (f"--set schema_file: {schema}: {expected}; expected a Schema in protobuf text format such as "
                    "schemas/baker/schema.pbtxt")
