"""Fingerprints follow content, and the served baselines skip the run's own lineage and data
(components/input_fingerprint/fingerprints.py). For each: the change that must count, and the one
that must not."""
import json
import sys

import numpy as np
import pytest

from tfxflow.components.atomic_pusher.versions import Record, write_extras
from tfxflow.components.input_fingerprint.fingerprints import (
    InputError,
    code_digest,
    content_digest,
    fingerprint_inputs,
)

from conftest import REPO, copy_project


def test_a_file_edited_in_place_gets_a_new_fingerprint(tmp_path):
    schema = tmp_path / "schema.pbtxt"
    schema.write_text("feature { name: 'x' }")
    before = content_digest(str(schema), "schema_file")
    schema.write_text("feature { name: 'x' }")
    assert content_digest(str(schema), "schema_file") == before  # rewritten, same bytes
    schema.write_text("feature { name: 'y' }")
    assert content_digest(str(schema), "schema_file") != before


def test_an_npz_counts_by_its_arrays_not_its_zip_container(tmp_path):
    path, x = tmp_path / "data.npz", np.arange(100, dtype=np.uint8)
    np.savez_compressed(path, x=x)
    before = content_digest(str(path), "ingest.path")
    np.savez(path, x=x)  # exported again, uncompressed, with new timestamps: the same data
    assert content_digest(str(path), "ingest.path") == before
    x[0] = 1
    np.savez(path, x=x)
    assert content_digest(str(path), "ingest.path") != before


def test_a_directory_counts_by_its_files_names_and_contents(tmp_path):
    (tmp_path / "data" / "train").mkdir(parents=True)
    (tmp_path / "data" / "train" / "part-0").write_bytes(b"a")
    before = content_digest(str(tmp_path / "data"), "ingest.path")
    (tmp_path / "data" / "train" / "part-0").rename(tmp_path / "data" / "train" / "part-1")
    assert content_digest(str(tmp_path / "data"), "ingest.path") != before


def test_a_missing_input_is_one_line_naming_the_key(tmp_path):
    with pytest.raises(InputError) as missing:
        content_digest(str(tmp_path / "gone.npz"), "ingest.path")
    assert str(missing.value) == f"ingest.path: {tmp_path / 'gone.npz'}: no such file or directory"


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A user's model package: `model` imports `helpers` (absolutely) and `layers` (relatively)."""
    root = tmp_path / "mymodels"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "model.py").write_text("import numpy\nfrom mymodels.helpers import scale\nfrom . import layers\n")
    (root / "helpers.py").write_text("def scale(x):\n    return x / 255\n")
    (root / "layers.py").write_text("WIDTH = 100\n")
    (root / "unused.py").write_text("SOMETHING = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return root


@pytest.mark.parametrize("edited, counts", [("helpers.py", True), ("layers.py", True), ("model.py", True),
                                            ("unused.py", False)])
def test_code_counts_by_the_source_a_module_runs(package, edited, counts):
    before = code_digest(["mymodels.model"])
    path = package / edited
    path.write_text(path.read_text() + "# edited\n")
    assert (code_digest(["mymodels.model"]) != before) is counts


def test_a_missing_module_is_one_line(package):
    with pytest.raises(InputError, match="^code: module mymodels.gone not found from "):
        code_digest(["mymodels.gone"])


@pytest.fixture
def project_copy(tmp_path, monkeypatch):
    """A copy of this project's package, found (by the fingerprints) instead of the original."""
    copy = copy_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [name for name in sys.modules if name == "tfxflow" or name.startswith("tfxflow.")]:
        monkeypatch.delitem(sys.modules, name)
    return copy / "components"


@pytest.mark.parametrize("edited, changed", [
    ("baker_model/model.py", {"trainer_code"}),
    ("keras_training.py", {"trainer_code"}),
    ("baker_model/preprocessing.py", {"transform_code"}),
    ("normalization.py", {"transform_code"}),
    ("baker_example_gen/sequences.py", {"transform_code", "trainer_code"}),  # both import its feature names
    ("atomic_pusher/executor.py", set()),  # neither runs it
])
def test_an_edited_module_changes_the_fingerprint_of_exactly_the_code_that_runs_it(project_copy, tmp_path, edited,
                                                                                   changed):
    settings = dict(ingest="{}", data_uri="", schema_file=str(REPO / "schemas" / "baker" / "schema.pbtxt"),
                    settings="{}", preprocessing_fn="tfxflow.components.baker_model.preprocessing.preprocessing_fn",
                    run_fn="tfxflow.components.baker_model.model.run_fn", model_fn="",
                    serving_dir=str(tmp_path / "serving"))
    before = fingerprint_inputs(**settings)
    path = project_copy / edited
    path.write_text(path.read_text().replace("Dense(100)", "Dense(7)") + "\n# edited\n")
    after = fingerprint_inputs(**settings)
    differs = {key for key in ("transform_code", "trainer_code") if getattr(after, key) != getattr(before, key)}
    assert differs == changed
    assert (after.lineage != before.lineage) is bool(changed)
    assert (after.data, after.schema) == (before.data, before.schema)


def test_the_project_model_code_includes_the_training_helpers_it_imports():
    from tfxflow.components.input_fingerprint.fingerprints import source_files

    files = source_files(["tfxflow.components.mnist_model"])
    assert {"tfxflow/components/mnist_model/model.py", "tfxflow/components/keras_training.py",
            "tfxflow/components/normalization.py"} <= set(files)
    assert "tfxflow/components/atomic_pusher/executor.py" not in files


def serve(serving, version, data, lineage, statistics=True):
    path = serving / str(version)
    path.mkdir(parents=True)
    (path / "saved_model.pb").write_bytes(b"graph")  # a complete version
    write_extras(str(path), Record(model=f"model-{version}", data=data, lineage=lineage),
                 b"statistics" if statistics else None)
    return str(path)


@pytest.fixture
def inputs(tmp_path):
    data = tmp_path / "data.bin"
    data.write_bytes(b"data")
    schema = tmp_path / "schema.pbtxt"
    schema.write_text("schema")
    settings = dict(ingest=json.dumps({"kind": "x"}), data_uri=str(data), schema_file=str(schema),
                    settings=json.dumps({"trainer": {"epochs": 1}}),
                    preprocessing_fn="tfxflow.components.mnist_model.preprocessing.preprocessing_fn",
                    run_fn="tfxflow.components.mnist_model.model.run_fn", model_fn="",
                    serving_dir=str(tmp_path / "serving"))
    return settings, fingerprint_inputs(**settings)


def test_with_nothing_served_there_is_no_baseline(inputs):
    _, found = inputs
    assert (found.model_baseline, found.drift_baseline) == ("", "")


def test_the_baselines_are_the_newest_served_version_of_other_lineage_and_other_data(inputs, tmp_path):
    settings, own = inputs
    serving = tmp_path / "serving"
    other = serve(serving, 1, data="other", lineage="other")
    serve(serving, 2, data=own.data, lineage=own.lineage)  # what this configuration pushed: skipped
    found = fingerprint_inputs(**settings)
    assert (found.model_baseline, found.drift_baseline) == (other, other)
    newer = serve(serving, 3, data=own.data, lineage="retrained with other settings")
    found = fingerprint_inputs(**settings)
    assert (found.model_baseline, found.drift_baseline) == (newer, other)


def test_the_drift_baseline_needs_the_served_models_statistics(inputs, tmp_path):
    settings, _ = inputs
    serve(tmp_path / "serving", 1, data="other", lineage="other", statistics=False)
    found = fingerprint_inputs(**settings)
    assert found.drift_baseline == "" and found.model_baseline.endswith("/1")


def test_lineage_follows_settings_schema_and_data(inputs, tmp_path):
    settings, own = inputs
    assert fingerprint_inputs(**settings).lineage == own.lineage
    assert fingerprint_inputs(**{**settings, "settings": json.dumps({"trainer": {"epochs": 2}})}).lineage != own.lineage
    (tmp_path / "schema.pbtxt").write_text("edited schema")
    changed = fingerprint_inputs(**settings)
    assert changed.schema != own.schema and changed.lineage != own.lineage and changed.data == own.data


def test_a_users_model_module_counts_for_the_trainer_alone(tmp_path, monkeypatch):
    """trainer.model: my_models.dense:build, found from the working directory: its edits retrain."""
    monkeypatch.setattr(sys, "path", list(sys.path))  # the working directory is added to it
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my_models").mkdir()
    (tmp_path / "my_models" / "__init__.py").write_text("")
    (tmp_path / "my_models" / "layers.py").write_text("UNITS = 16\n")
    (tmp_path / "my_models" / "dense.py").write_text("from my_models.layers import UNITS\n")
    settings = dict(ingest="{}", data_uri="", schema_file=str(REPO / "schemas" / "baker" / "schema.pbtxt"),
                    settings="{}", preprocessing_fn="tfxflow.components.baker_model.preprocessing.preprocessing_fn",
                    run_fn="tfxflow.components.baker_model.model.run_fn", model_fn="my_models.dense:build",
                    serving_dir=str(tmp_path / "serving"))
    before = fingerprint_inputs(**settings)
    assert before.trainer_code != fingerprint_inputs(**{**settings, "model_fn": ""}).trainer_code
    (tmp_path / "my_models" / "layers.py").write_text("UNITS = 17\n")  # imported by the model's module
    after = fingerprint_inputs(**settings)
    assert after.trainer_code != before.trainer_code and after.lineage != before.lineage
    assert after.transform_code == before.transform_code
