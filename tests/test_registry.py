"""Ingest kinds found through the registry (components/registry.py, spec.py): the built-ins by name
from entry points, a user's class by import path from the working directory, and one line for
anything else that lists what exists."""
import pytest

from conftest import problems
from user_project import write_package
from tfxflow.components.user_code import UnknownName
from tfxflow.pipelines.load import load_spec
from tfxflow.pipelines.spec import INGEST_KINDS, IngestSettings, ingest_kind

USER_KIND = '''
from typing import Literal
from tfxflow.pipelines.spec import IngestSettings, Int

class Rows(IngestSettings):
    kind: str
    rows: Int = 10
    MODELS = ("mlp",)
    MODEL_PACKAGE = "my_data.model"
    SCHEMA = "baker"

class NotAKind:
    pass
'''


@pytest.fixture
def user_project(tmp_path, monkeypatch):
    """A working directory holding the user's package `my_data` with a kind `Rows`."""
    write_package(tmp_path, "my_data", {"kinds": USER_KIND, "broken": "def oops(:\n"})
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_the_built_in_kinds_are_registered_as_a_users_package_would_register_its_own():
    assert INGEST_KINDS.names() == ["baker", "csv", "mnist", "npz", "sine", "tfrecord"]
    assert ingest_kind("baker").__module__ == "tfxflow.pipelines.ingest.baker"


def test_a_users_kind_by_import_path_validates_its_own_keys(user_project):
    path = user_project / "p.yaml"
    path.write_text("name: rows\ningest:\n  kind: my_data.kinds:Rows\n  rows: 3\n")
    spec = load_spec(path)
    assert isinstance(spec.ingest, IngestSettings) and type(spec.ingest).__name__ == "Rows"
    assert spec.ingest.rows == 3 and spec.schema_file.parent.name == "baker"
    path.write_text("name: rows\ningest:\n  kind: my_data.kinds:Rows\n  rows: many\n  colour: red\n")
    assert problems(path) == [
        f"{path}:4: ingest.rows: Input should be a valid integer, unable to parse string as an integer, got 'many'",
        f"{path}:5: ingest.colour: unknown key for kind 'my_data.kinds:Rows'",
    ]


@pytest.mark.parametrize("kind, expected", [
    ("parquet", "'parquet': no ingest kind of that name; expected one of baker, csv, mnist, npz, sine, tfrecord, "
                "or package.module:Name"),
    ("my_data.kinds:Nope", "'my_data.kinds:Nope': my_data.kinds has no 'Nope'"),
    ("my_data.kinds:NotAKind", "'my_data.kinds:NotAKind' is not an ingest kind: expected a subclass of IngestSettings"),
    ("my_data.broken:X", "'my_data.broken:X': cannot import my_data.broken (invalid syntax"),
    ("nowhere.kinds:X", "'nowhere.kinds:X': no module nowhere.kinds importable from "),
])
def test_anything_else_is_one_line_naming_the_key_and_what_exists(user_project, kind, expected):
    path = user_project / "p.yaml"
    path.write_text(f"name: rows\ningest:\n  kind: {kind!r}\n  rows: 3\ntrainer:\n  epochs: 0\n")
    lines = problems(path)
    assert lines[0].startswith(f"{path}:3: ingest.kind: {expected}")  # the kind's keys are not judged
    assert lines[1:] == [f"{path}:6: trainer.epochs: Input should be greater than or equal to 1, got 0"]
    with pytest.raises(UnknownName):
        ingest_kind(kind)
