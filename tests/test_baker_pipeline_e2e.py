"""The baker pipeline end to end through the `tfxflow` CLI: real TFX, Beam, MLMD, TFDV, TFT, TFMA.

The runs share one root, in order, as a user's would: first run, unchanged rerun, a stricter
threshold, the model code and then the preprocessing code edited, the schema file edited in place
so that the data breaks it.
"""
from pathlib import Path

import numpy as np
import pytest

from conftest import baker_probabilities, copy_project, kernel_shapes, run_baker
from user_project import ROW_COUNT_DECLARED, row_count, write_package

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def root(baker_root):
    return baker_root


@pytest.fixture(scope="module")
def first(baker_first_run):
    return baker_first_run


def states(summary):
    return {c["name"]: c["state"] for c in summary["components"]}


def test_first_run_trains_blesses_and_pushes(first, root):
    code, summary, _ = first
    assert code == 0 and summary["status"] == "succeeded"
    assert set(states(summary).values()) == {"ran"}
    assert list(states(summary)) == ["BakerExampleGen", "ImportSchemaGen", "StatisticsGen", "ExampleValidator",
                                     "DriftGate", "Transform", "Trainer", "Evaluator", "Pusher"]
    assert summary["drift"] == "no baseline (no served model trained on other data)"
    assert summary["blessed"] is True and summary["metrics"]["accuracy"] >= 0.99
    assert summary["metrics"]["examples"] == 500
    pushed = Path(summary["pushed_model"])
    assert pushed.parent == root / "serving" and (pushed / "saved_model.pb").is_file()
    assert [p.name for p in pushed.parent.iterdir()] == [pushed.name]  # no staging leftovers
    assert summary["wall_seconds"] > 0 and all(c["seconds"] >= 0 for c in summary["components"])
    assert (root / "metadata.sqlite").is_file()


def test_pushed_model_predicts_from_raw_serialized_examples(first):
    _, summary, _ = first
    probabilities, labels = baker_probabilities(summary["pushed_model"])
    assert probabilities.shape == (400, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    accuracy = float((probabilities.argmax(axis=1) == labels).mean())
    assert accuracy >= 0.99 and abs(accuracy - summary["metrics"]["accuracy"]) < 0.01


def test_unchanged_rerun_executes_nothing_and_pushes_nothing_new(first, root, baker_schema):
    code, summary, stderr = run_baker(root, f"schema_file={baker_schema}")
    assert code == 0 and set(states(summary).values()) == {"cached"}
    assert summary["pushed_model"] == first[1]["pushed_model"]
    assert len(list((root / "serving").iterdir())) == 1
    assert "Evaluator                  cached" in stderr
    # Answered from the first run's record in MLMD (pipelines/unchanged_rerun.py), and recorded as a run.
    assert f"unchanged since run {first[1]['run_id']}: every component taken from it, TFX not started" in summary[
        "notes"]
    assert Path(summary["report"]).is_file()


def test_the_first_run_shows_each_epoch_as_it_finishes(first):
    _, _, stderr = first
    epochs = [line.split()[1:3] for line in stderr.splitlines() if line.startswith("Trainer ") and "epoch" in line]
    assert epochs == [["epoch", "1/3"], ["epoch", "2/3"], ["epoch", "3/3"]]  # BAKER_SMALL trains 3 epochs


def test_a_split_over_the_memory_budget_is_streamed_and_trains_the_same_model(first, root, baker_schema, tmp_path):
    """trainer.memory_mb=0: both splits stream from the TFRecords every epoch instead of being held in
    memory; the batches are the same, so the weights are too. (Pushed elsewhere: the root's serving
    directory keeps one version for the tests below.)"""
    code, summary, stderr = run_baker(root, f"schema_file={baker_schema}", "trainer.memory_mb=0",
                                      f"pusher.serving_dir={tmp_path}", options=("--verbose",))
    assert code == 0 and summary["blessed"] is True, stderr[-2000:]
    assert ran(summary) == {"Trainer", "Evaluator", "Pusher"}
    assert stderr.count("every epoch: more than trainer.memory_mb=0 MB") == 2  # train and eval
    first_log = min((root / "logs").iterdir()).read_text()  # the default budget held the small splits
    assert "Read both splits" in first_log and "every epoch: more than" not in first_log
    streamed, labels = baker_probabilities(summary["pushed_model"])
    held, _ = baker_probabilities(first[1]["pushed_model"])
    assert (streamed.argmax(axis=1) == labels).mean() > 0.9
    np.testing.assert_allclose(streamed, held, rtol=0, atol=1e-6)


def test_beam_components_run_without_packing_tfx_for_remote_workers(first, root):
    """No beam.args by default (Beam's in-memory DirectRunner): TFX builds no sdist of itself before each
    Beam component (tfx/utils/dependency_utils.py), 0.9 s each for workers a DirectRunner never has.
    Given Beam arguments it does: test_portable_beam_e2e finds the same line in its log."""
    first_log = min((root / "logs").iterdir()).read_text()
    assert "Generating statistics for split train" in first_log  # StatisticsGen's Beam job ran
    assert "Attempting to infer TFX Python dependency" not in first_log


def test_unreachable_accuracy_runs_but_pushes_nothing(first, root, baker_schema):
    code, summary, stderr = run_baker(root, f"schema_file={baker_schema}", "trainer.model=mlp", "trainer.epochs=1",
                                      "evaluator.min_accuracy=0.999", options=("--verbose",))
    assert code == 0 and summary["status"] == "succeeded"
    assert not any(note.startswith("unchanged since run") for note in summary["notes"])
    # --verbose shows the logs, each record cut to a few lines (the protobufs TFX logs stay in the file)
    assert len(stderr.splitlines()) < 400 and " more lines in " in stderr
    assert summary["blessed"] is False and summary["pushed_model"] is None
    assert states(summary)["Trainer"] == "ran" and states(summary)["Pusher"] == "ran"
    assert any("accuracy " in note and "is below the minimum 0.999" in note for note in summary["notes"])
    assert len(list((root / "serving").iterdir())) == 1  # the earlier push is untouched


def test_threshold_above_one_is_refused_before_anything_runs(root):
    code, summary, stderr = run_baker(root, "evaluator.min_accuracy=1.01")
    assert code == 2 and summary == {}
    assert stderr.strip() == "--set evaluator.min_accuracy: Input should be less than or equal to 1, got 1.01"


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory):
    """A copy of this project whose model code the tests below edit, run with `run_baker(project=...)`."""
    return copy_project(tmp_path_factory.mktemp("project"))


def ran(summary: dict) -> set[str]:
    return {name for name, state in states(summary).items() if state == "ran"}


def test_edited_model_code_retrains_and_only_what_depends_on_it_runs(first, root, baker_schema, project_copy):
    """The run_fn's module edited where it lies: the Trainer runs the new code, Transform stays cached."""
    code, summary, _ = run_baker(root, f"schema_file={baker_schema}", project=project_copy)
    assert code == 0 and set(states(summary).values()) == {"cached"}  # an identical copy: nothing to redo
    model = project_copy / "components" / "baker_model" / "model.py"
    model.write_text(model.read_text().replace("Conv1D(32, 1,", "Conv1D(33, 1,"))
    code, summary, _ = run_baker(root, f"schema_file={baker_schema}", project=project_copy)
    assert code == 0 and summary["blessed"] is True
    assert {name for name, state in states(summary).items() if state == "ran"} == {"Trainer", "Evaluator", "Pusher"}
    assert summary["pushed_model"] != first[1]["pushed_model"]
    assert (1, 64, 33) in kernel_shapes(summary["pushed_model"])  # the edited architecture was trained and pushed
    assert (1, 64, 32) in kernel_shapes(first[1]["pushed_model"])


def test_edited_preprocessing_code_transforms_again(first, root, baker_schema, project_copy):
    preprocessing = project_copy / "components" / "normalization.py"  # imported by the preprocessing_fn
    preprocessing.write_text(preprocessing.read_text() + "\n# edited\n")
    code, summary, _ = run_baker(root, f"schema_file={baker_schema}", project=project_copy)
    assert code == 0
    assert {name for name, state in states(summary).items() if state == "ran"} == {
        "Transform", "Trainer", "Evaluator", "Pusher"}


USER_MODEL = """
import tensorflow as tf


def build(feature_shapes, num_classes):
    inputs = {name: tf.keras.Input(shape=shape, name=name) for name, shape in feature_shapes.items()}
    hidden = tf.keras.layers.Dense(UNITS, activation="relu")(inputs["x"])
    return tf.keras.Model(inputs, tf.keras.layers.Dense(num_classes, activation="softmax")(hidden))
"""


def test_a_users_model_function_trains_stays_cached_and_an_edit_to_it_retrains(first, root, baker_schema, tmp_path):
    """trainer.model as package.module:function in the directory tfxflow runs in, as a user writes it."""
    module = write_package(tmp_path, "my_models", {"dense": USER_MODEL.replace("UNITS", "16")}) / "dense.py"
    settings = [f"schema_file={baker_schema}", "trainer.model=my_models.dense:build", "evaluator.min_accuracy=0",
                "evaluator.max_accuracy_drop=1"]
    code, summary, stderr = run_baker(root, *settings, workdir=tmp_path)
    assert code == 0 and summary["blessed"] is True, stderr[-2000:]
    assert ran(summary) == {"Trainer", "Evaluator", "Pusher"}  # the same data and transform are reused
    assert (100, 16) in kernel_shapes(summary["pushed_model"])
    code, summary, _ = run_baker(root, *settings, workdir=tmp_path)
    assert code == 0 and ran(summary) == set()  # unchanged: nothing runs again
    module.write_text(USER_MODEL.replace("UNITS", "17"))
    code, summary, _ = run_baker(root, *settings, workdir=tmp_path)
    assert code == 0 and ran(summary) == {"Trainer", "Evaluator", "Pusher"}
    assert (100, 17) in kernel_shapes(summary["pushed_model"])  # the edited function was trained and pushed


def test_a_users_component_declared_in_yaml_runs_in_the_dag_and_reruns_only_when_its_code_changes(
        first, root, baker_schema, tmp_path):
    package = write_package(tmp_path, "my_components", {"counting": row_count(0)})
    settings = [f"schema_file={baker_schema}", ROW_COUNT_DECLARED]
    code, summary, stderr = run_baker(root, *settings, workdir=tmp_path)
    assert code == 0, stderr[-2000:]
    # Wired after the pipeline's own components, which are reused; the Evaluator and Pusher run again
    # only because the test before pushed another model, their baseline.
    assert ran(summary) - {"Evaluator", "Pusher"} == {"RowCount"}
    assert rows_counted(root) == 2000  # it read BakerExampleGen's train split
    code, summary, _ = run_baker(root, *settings, workdir=tmp_path)
    assert code == 0 and ran(summary) == set()
    (package / "counting.py").write_text(row_count(1))
    code, summary, _ = run_baker(root, *settings, workdir=tmp_path)
    assert code == 0 and ran(summary) == {"RowCount"} and rows_counted(root) == 2001


def rows_counted(root: Path) -> int:
    newest = max((root / "pipeline" / "RowCount" / "rows").iterdir(), key=lambda path: int(path.name))
    return int((newest / "value").read_text())


def test_a_schema_edited_in_place_is_checked_again_and_stops_training(first, root, baker_schema):
    """The schema file the earlier runs read, tightened where it lies: not served from cache."""
    served = sorted((root / "serving").iterdir())
    baker_schema.write_text(baker_schema.read_text().replace("float_domain { min: 0.0 max: 1.0 }",
                                                             "float_domain { min: 0.0 max: 0.5 }"))
    code, summary, stderr = run_baker(root, f"schema_file={baker_schema}")
    assert code == 1 and summary["status"] == "failed"
    assert states(summary)["ImportSchemaGen"] == "ran" and states(summary)["ExampleValidator"] == "failed"
    assert states(summary)["BakerExampleGen"] == "cached"
    assert "Transform" not in states(summary) and "Trainer" not in states(summary)
    [failed] = [c for c in summary["components"] if c["state"] == "failed"]
    assert "feature 'x'" in failed["error"] and "Out-of-range values" in failed["error"]
    assert summary["blessed"] is False and summary["pushed_model"] is None
    assert sorted((root / "serving").iterdir()) == served  # nothing pushed, nothing removed
