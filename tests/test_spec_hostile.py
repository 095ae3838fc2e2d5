"""Hostile pipeline files: refused quickly, with bounded memory, in one line; names cannot escape."""
import time
import tracemalloc

import pytest

from tfxflow.pipelines.load import SpecError, load_spec

pytestmark = pytest.mark.faults
BOMB = "name: baker\ningest: {kind: baker}\nbeam:\n  args: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)
)  # 10**9 strings once expanded


@pytest.mark.parametrize(
    "content, expected",
    [
        (BOMB, "expands to over 10,000 values (aliases included); expected a few dozen settings"),
        ("name: baker\n# " + "x" * 5_000_000 + "\n", "5,000,015 bytes; expected a pipeline file under 1,000,000"),
        ("name: baker\ningest: {kind: baker}\nbeam: {args: [" + ", ".join(["x"] * 20_000) + "]}\n",
         "expands to over 10,000 values (aliases included); expected a few dozen settings"),
    ],
)
def test_bombs_and_huge_files_are_refused_quickly_with_bounded_memory(tmp_path, content, expected):
    path = tmp_path / "hostile.yaml"
    path.write_text(content)
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(SpecError) as refused:
        load_spec(path)
    seconds, (_, peak) = time.perf_counter() - started, tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert str(refused.value) == f"{path}: {expected}"
    assert seconds < 5 and peak < 50 * 2**20  # the file itself is at most 1 MB


@pytest.mark.parametrize("name", ["../escape", "/etc/passwd", "a/b", "..", ".hidden", "x" * 129, "tab\tname"])
def test_pipeline_names_cannot_name_other_directories(write_spec, name):
    with pytest.raises(SpecError) as refused:
        load_spec(write_spec("name: baker\ningest: {kind: baker}\n"), [f"name={name!r}"])
    assert str(refused.value).startswith("--set name: ")


@pytest.mark.parametrize("model", ["os.system", "tfxflow.components.mnist_model", "../mlp", "mlp; rm -rf /"])
def test_model_code_comes_only_from_the_declared_choices(write_spec, model):
    with pytest.raises(SpecError) as refused:
        load_spec(write_spec("name: baker\ningest: {kind: baker}\n"), [f"trainer.model={model!r}"])
    assert "is not a baker model; expected one of mlp, conv" in str(refused.value)


def test_a_file_that_is_not_text_is_one_line(tmp_path):
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00name: baker")
    with pytest.raises(SpecError) as refused:
        load_spec(path)
    assert str(refused.value).startswith(f"{path}: cannot read the pipeline file") and "\n" not in str(refused.value)


def test_a_huge_schema_file_is_refused_without_reading_it(write_spec, tmp_path):
    schema = tmp_path / "schema.pbtxt"
    with schema.open("wb") as file:
        file.truncate(10 * 2**30)  # 10 GB, sparse
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(SpecError) as refused:
        load_spec(write_spec("name: baker\ningest: {kind: baker}\n"), [f"schema_file={schema}"])
    seconds, (_, peak) = time.perf_counter() - started, tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert str(refused.value) == (f"--set schema_file: {schema}: over 4,194,304 bytes; expected a Schema in protobuf "
                                  "text format such as schemas/baker/schema.pbtxt")
    assert seconds < 5 and peak < 20 * 2**20


def test_a_schema_error_quoting_a_huge_line_stays_one_short_line(write_spec, tmp_path):
    schema = tmp_path / "schema.pbtxt"
    schema.write_text('feature { name: "' + "x" * 3_000_000 + '" type: FLOATY }')
    with pytest.raises(SpecError) as refused:
        load_spec(write_spec("name: baker\ningest: {kind: baker}\n"), [f"schema_file={schema}"])
    assert len(str(refused.value)) < 500 and "\n" not in str(refused.value)


@pytest.mark.parametrize("override", ["ingest.examples=99999999999999999999", f"ingest.length={10**100}",
                                      f"ingest.seed={10**400}", f"trainer.epochs={'9' * 4000}"])
def test_absurd_numbers_are_refused_at_once(write_spec, override):
    started = time.perf_counter()
    with pytest.raises(SpecError) as refused:
        load_spec(write_spec("name: baker\ningest: {kind: baker}\n"), [override])
    assert time.perf_counter() - started < 1 and str(refused.value).startswith(f"--set {override.split('=')[0]}: ")


def test_integers_python_will_not_convert_are_a_yaml_error_at_their_line(write_spec):
    digits = "9" * 5000
    path = write_spec(f"name: baker\ningest: {{kind: baker}}\ntrainer: {{epochs: {digits}}}\n")
    with pytest.raises(SpecError) as refused:
        load_spec(path)
    assert str(refused.value) == (f"{path}:3: not valid YAML: Exceeds the limit (4300) for integer string "
                                  "conversion: value has 5000 digits")
    with pytest.raises(SpecError) as refused:
        load_spec(write_spec("name: baker\ningest: {kind: baker}\n"), [f"trainer.epochs={digits}"])
    assert str(refused.value) == (f"--set trainer.epochs={digits}: the value is not valid YAML (Exceeds the limit "
                                  "(4300) for integer string conversion: value has 5000 digits)")
