"""Errors as one line: a TfxflowError's message as it is, exit 2 for bad input (BadInput) and 1 for the
others; anything else with its type and exit 1, where `tfxflow --debug` shows the traceback."""
import ast
import builtins
import importlib

import pytest
from click.testing import CliRunner

from tfxflow.components.errors import BadInput, TfxflowError
from tfxflow.pipelines.cli import main

from conftest import REPO

pytestmark = pytest.mark.faults


def test_unexpected_error_is_one_line_and_debug_shows_it_whole(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    args = ["run", str(REPO / "pipelines" / "baker.yaml"), "--set", f"run.root={blocker / 'root'}"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and result.stdout == ""
    logs = blocker / "root" / "logs"
    assert result.stderr.strip() == (f"error: NotADirectoryError: [Errno 20] Not a directory: '{logs}' "
                                     "(tfxflow --debug ... shows the traceback)")
    debug = CliRunner().invoke(main, ["--debug", *args])
    assert isinstance(debug.exception, NotADirectoryError)  # raised, so the traceback is printed


def test_the_command_alone_prints_its_help_and_version_answers():
    alone = CliRunner().invoke(main, [])
    assert alone.exit_code == 0 and "Commands:" in alone.stdout and "run " in alone.stdout
    version = CliRunner().invoke(main, ["--version"])
    assert version.exit_code == 0 and version.stdout.strip().startswith("tfxflow 0.")


SCHEMA = """
feature { name: "age" type: INT value_count { max: 1 } }
feature { name: "plan" type: BYTES domain: "plan" shape { dim { size: 1 } } }
string_domain { name: "plan" value: "basic" value: "pro" }
"""
# CSV files csv_text.CsvError refuses, and the start of its line after the file's name.
BAD_CSVS = [
    (b"age,plan\n30,basic\n41,pro,extra\n", "row 3 has 3 cells; expected 2, one per column of the header"),
    (b"\xff\xfeage,plan\n30,basic\n", "its header row is not UTF-8 text (invalid start byte at byte 0)"),
]


def csv_pipeline(directory, data):
    """A CSV pipeline file in `directory` reading `data` (a file there), with its schema beside it."""
    (directory / "schema.pbtxt").write_text(SCHEMA)
    path = directory / "p.yaml"
    path.write_text(f"name: p\ningest: {{kind: csv, path: '{directory / data}'}}\nlabel: {{key: plan}}\n"
                    f"schema_file: '{directory / 'schema.pbtxt'}'\n")
    return path


def one_line(result):
    """(exit code, the one line on stderr, stdout); an AssertionError when stderr is not one line."""
    [line] = result.stderr.splitlines()
    return result.exit_code, line, result.stdout


@pytest.mark.parametrize("content, message", BAD_CSVS)
def test_a_bad_csv_given_to_drift_is_one_line_naming_it_and_exit_2(tmp_path, content, message):
    (tmp_path / "rows.csv").write_text("age,plan\n30,basic\n41,pro\n")
    (tmp_path / "new.csv").write_bytes(content)
    args = ["drift", str(csv_pipeline(tmp_path, "rows.csv")), "--data", str(tmp_path / "new.csv")]
    code, line, out = one_line(CliRunner().invoke(main, args))  # read before any baseline or model is looked for
    assert (code, out) == (2, "") and line.startswith(f"{tmp_path / 'new.csv'}: {message}")


@pytest.mark.parametrize("content, message", BAD_CSVS)
def test_a_bad_csv_schema_infer_reads_is_one_line_naming_it_and_exit_2(tmp_path, content, message):
    (tmp_path / "rows.csv").write_bytes(content)
    output = tmp_path / "inferred.pbtxt"
    args = ["schema", "infer", str(csv_pipeline(tmp_path, "rows.csv")), "--output", str(output)]
    code, line, out = one_line(CliRunner().invoke(main, args))
    assert (code, out) == (2, "") and line.startswith(f"{tmp_path / 'rows.csv'}: {message}")
    assert not output.exists()


@pytest.mark.parametrize(
    "error, code, line",
    [
        (KeyError("trainer"), 1, "error: KeyError: 'trainer' (tfxflow --debug ... shows the traceback)"),
        (TfxflowError("KFP refused: HTTP 403"), 1, "KFP refused: HTTP 403"),
        (BadInput("p.yaml: no such file"), 2, "p.yaml: no such file"),
    ],
)
def test_an_error_is_one_line_a_tfxflow_error_as_it_is_with_its_exit_code(monkeypatch, error, code, line):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr("tfxflow.pipelines.cli.load_spec", fail)
    assert one_line(CliRunner().invoke(main, ["validate", "p.yaml"])) == (code, line, "")


def error_classes():
    """(module, class name) of every class under components/ and pipelines/ that is named *Error (or
    UnknownName) or derives from a built-in exception, found in the source: none is left out by not
    being imported."""
    found = []
    for path in sorted([*REPO.glob("components/**/*.py"), *REPO.glob("pipelines/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and (
                    node.name.endswith("Error") or node.name == "UnknownName"
                    or any(isinstance(getattr(builtins, ast.unparse(base), None), type)
                           and issubclass(getattr(builtins, ast.unparse(base)), BaseException) for base in node.bases)):
                module = ".".join(("tfxflow", *path.relative_to(REPO).with_suffix("").parts))
                found.append((module.removesuffix(".__init__"), node.name))
    return found


def test_every_error_class_derives_from_tfxflow_error():
    classes = error_classes()
    assert ("tfxflow.components.file_example_gen.csv_text", "CsvError") in classes  # the scan finds them
    outside = [f"{module}.{name}" for module, name in classes
               if not issubclass(getattr(importlib.import_module(module), name), TfxflowError)]
    assert outside == [], "derive these from components/errors.py's BadInput or TfxflowError"
