"""`tfxflow schema infer` (pipelines/schema_infer.py): a starting schema that the data it was inferred
from passes, with a drift comparator per feature; never written over a curated file by accident;
and a kind with no curated schema is refused until one is named."""
import tensorflow_data_validation as tfdv
from click.testing import CliRunner
from tfx_bsl.coders.example_coder import ExamplesToRecordBatchDecoder

from conftest import REPO, problems
from tfxflow.components.drift_gate.drift import compare, statistics_of
from tfxflow.pipelines.cli import main
from tfxflow.pipelines.load import load_spec
from tfxflow.pipelines.schema_infer import infer_schema
from user_project import write_package


def decoded(records):
    """Serialized examples as StatisticsGen's decoder turns them into Arrow columns, in one batch."""
    return ExamplesToRecordBatchDecoder().DecodeBatch(list(records))


BAKER = str(REPO / "pipelines" / "baker.yaml")
SMALL = ["ingest.examples=400"]


def infer(output, *options):
    args = ["schema", "infer", BAKER, "--output", str(output), *options]
    for override in SMALL:
        args += ["--set", override]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.stdout, result.stderr


def test_the_inferred_schema_passes_its_own_data_and_compares_every_feature(tmp_path):
    spec = load_spec(BAKER, SMALL)
    schema, described = infer_schema(spec)
    assert described == "the baker generator (seed 0, 400 sequences)"
    features = {feature.name: feature for feature in schema.feature}
    assert features["label"].drift_comparator.infinity_norm.threshold == 0.05  # class ids: categorical
    assert features["x"].drift_comparator.jensen_shannon_divergence.threshold == 0.01
    statistics = statistics_of(decoded(spec.ingest.training_examples(spec.label.key)[0]), schema)
    assert not tfdv.validate_statistics(statistics, schema).anomaly_info
    other = load_spec(BAKER, [*SMALL, "ingest.seed=1"])
    records = other.ingest.training_examples(other.label.key)[0]
    report = compare(statistics_of(decoded(records), schema), schema, statistics)
    assert {feature.feature for feature in report.features} == {"label", "x"}


def test_the_command_writes_a_schema_a_pipeline_file_accepts_and_never_replaces_one_unasked(tmp_path):
    output = tmp_path / "schemas" / "baker.pbtxt"
    code, out, _ = infer(output)
    assert code == 0 and out.startswith(f"{output}: 2 features (label, x) inferred from the baker generator")
    assert load_spec(BAKER, [f"schema_file={output}"]).schema_file == output  # parses as a schema with features
    output.write_text("# curated\n" + output.read_text())
    code, _, err = infer(output)
    assert code == 2 and err.strip() == (
        f"{output}: exists (a curated schema?); pass --force to replace it, or another --output")
    assert output.read_text().startswith("# curated")
    code, _, _ = infer(output, "--force")
    assert code == 0 and not output.read_text().startswith("# curated")
    assert [p.name for p in output.parent.iterdir()] == ["baker.pbtxt"]  # no partial file beside it


KIND = """
from tfxflow.pipelines.spec import IngestSettings

class Rows(IngestSettings):
    kind: str
    MODELS = ("mlp",)
"""


def test_a_kind_with_no_curated_schema_needs_one_named_and_says_how_to_get_one(tmp_path, monkeypatch):
    write_package(tmp_path, "my_data", {"kinds": KIND})
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "rows.yaml"
    path.write_text("name: rows\ningest: {kind: 'my_data.kinds:Rows'}\n")
    assert problems(path) == [
        f"{path}:1: schema_file: required: ingest kind 'my_data.kinds:Rows' has no curated schema; write one with "
        "`tfxflow schema infer PIPELINE_FILE --output schema.pbtxt`, curate it, and set schema_file"]
    assert load_spec(path, schema_required=False).schema_file is None
    result = CliRunner().invoke(main, ["schema", "infer", str(path), "--output", str(tmp_path / "s.pbtxt")])
    assert result.exit_code == 2 and result.stderr.strip() == (
        "ingest kind 'my_data.kinds:Rows' cannot read its training split (it has no training_examples); "
        "write the schema by hand")


def many_classes(directory, classes: int, rows: int):
    """A CSV project whose string label has `classes` values, each over rows / classes rows."""
    lines = ["x,kind"] + [f"{i % 7},k{i % classes:05d}" for i in range(rows)]
    (directory / "rows.csv").write_text("\n".join(lines) + "\n")
    (directory / "p.yaml").write_text("name: many\ningest: {kind: csv, path: rows.csv}\nlabel: {key: kind}\n")


def test_a_string_label_of_more_than_tfdvs_100_values_gets_every_class(tmp_path, monkeypatch):
    many_classes(tmp_path, 150, 600)
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, ["schema", "infer", "p.yaml", "--output", "s.pbtxt"])
    assert done.exit_code == 0, done.stderr
    assert load_spec(tmp_path / "p.yaml", ["schema_file=s.pbtxt"]).target().classes == tuple(
        f"k{i:05d}" for i in range(150))


def test_a_label_of_more_classes_than_the_limit_names_the_limit(tmp_path, monkeypatch):
    many_classes(tmp_path, 20_000, 20_000)
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, ["schema", "infer", "p.yaml", "--output", "s.pbtxt"])
    assert done.exit_code == 2 and not (tmp_path / "s.pbtxt").exists()
    assert done.stderr.startswith("label 'kind': about 20,")
    assert done.stderr.strip().endswith(" distinct values (TFDV's estimate), over the 1,000 classes schema infer "
                                        "writes; expected a label of fewer classes, or a --max-classes above that")
    done = CliRunner().invoke(main, ["schema", "infer", "p.yaml", "--output", "s.pbtxt", "--max-classes", "20000"])
    assert done.exit_code == 0, done.stderr
    assert len(load_spec(tmp_path / "p.yaml", ["schema_file=s.pbtxt"]).target().classes) == 20_000
