"""`tfxflow runs` (pipelines/history.py, the cli's `runs`) shows each run's headline metric: accuracy for
classification, mean_squared_error for regression; read from an MLMD store written here as TFX writes it
(node and pipeline_run contexts, output events keyed by the component's output)."""
import json

import ml_metadata as mlmd
import pytest
from click.testing import CliRunner
from ml_metadata.proto import metadata_store_pb2 as pb

from tfxflow.components.served_model_evaluator.metrics import OUTCOME_KEY
from tfxflow.pipelines.cli import main
from tfxflow.pipelines.history import metric_column

from conftest import REPO

BAKER = str(REPO / "pipelines" / "baker.yaml")
REGRESSION = {"task": "regression", "examples": 500, "accuracy": None, "failed_thresholds": [],
              "metrics": {"mean_squared_error": 0.0012, "mean_absolute_error": 0.02, "root_mean_squared_error": 0.035}}
CLASSIFICATION = {"accuracy": 0.9375, "examples": 64, "failed_thresholds": []}  # recorded before regression


class Store:
    """An MLMD store of the pipeline `baker` at `root`/metadata.sqlite, with runs added by `run`."""

    def __init__(self, root):
        config = pb.ConnectionConfig()
        config.sqlite.filename_uri = str(root / "metadata.sqlite")
        config.sqlite.connection_mode = config.sqlite.READWRITE_OPENCREATE
        self.store = mlmd.MetadataStore(config)
        self.types = {}
        self.nodes = {}

    def _type(self, kind, name):
        if (kind, name) not in self.types:
            put = {"context": (self.store.put_context_type, pb.ContextType),
                   "execution": (self.store.put_execution_type, pb.ExecutionType),
                   "artifact": (self.store.put_artifact_type, pb.ArtifactType)}[kind]
            self.types[kind, name] = put[0](put[1](name=name))
        return self.types[kind, name]

    def _node(self, name):
        if name not in self.nodes:
            context = pb.Context(type_id=self._type("context", "node"), name=f"baker.{name}")
            self.nodes[name] = self.store.put_contexts([context])[0]
        return self.nodes[name]

    def run(self, run_id, outcome, states=None):
        """A run whose Evaluator blessed its model with `outcome` recorded, and whose Pusher completed; or
        each node in the state `states` gives it (CACHED, RUNNING: a run killed in it)."""
        run = self.store.put_contexts([pb.Context(type_id=self._type("context", "pipeline_run"), name=run_id)])[0]
        blessing = pb.Artifact(type_id=self._type("artifact", "ModelBlessing"), uri="/nowhere/blessing")
        blessing.custom_properties["blessed"].int_value = 1
        blessing.custom_properties[OUTCOME_KEY].string_value = json.dumps(outcome)
        for node, outputs in (("Evaluator", [("blessing", blessing)]), ("Pusher", [])):
            execution = pb.Execution(type_id=self._type("execution", node),
                                     last_known_state=(states or {}).get(node, pb.Execution.COMPLETE))
            events = []
            for key, artifact in outputs:
                event = pb.Event(type=pb.Event.OUTPUT)
                event.path.steps.add().key = key
                event.path.steps.add().index = 0
                events.append((artifact, event))
            contexts = [pb.Context(id=run, type_id=self._type("context", "pipeline_run"), name=run_id),
                        pb.Context(id=self._node(node), type_id=self._type("context", "node"), name=f"baker.{node}")]
            self.store.put_execution(execution, events, contexts)


def runs(root, *options):
    result = CliRunner().invoke(main, ["runs", BAKER, "--set", f"run.root={root}", *options])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


@pytest.fixture
def regression_history(tmp_path):
    Store(tmp_path).run("2026-01-02T03:04:05.000001", REGRESSION)
    return tmp_path


def test_a_regression_history_has_a_mean_squared_error_column(regression_history):
    header, row = runs(regression_history)
    assert header.split()[:3] == ["run", "status", "mean_squared_error"]
    assert row.split()[:3] == ["2026-01-02T03:04:05.000001", "succeeded", "0.0012"]  # the id `tfxflow report` takes
    assert header.index("mean_squared_error") == row.index("0.0012")


def test_a_regression_record_has_its_metric_and_no_accuracy(regression_history):
    [line] = runs(regression_history, "--json")
    record = json.loads(line)
    assert record["task"] == "regression" and record["accuracy"] is None
    assert record["metric"] == {"name": "mean_squared_error", "value": 0.0012}


def test_a_classification_history_keeps_its_accuracy_column_and_record(tmp_path):
    Store(tmp_path).run("2026-01-02T03:04:05.000001", CLASSIFICATION)
    header, row = runs(tmp_path)
    assert header.split()[2] == "accuracy" and row.split()[2] == "0.9375"
    record = json.loads(runs(tmp_path, "--json")[0])
    assert record["accuracy"] == 0.9375 and record["task"] == "classification"
    assert record["metric"] == {"name": "accuracy", "value": 0.9375}


def test_a_history_whose_task_changed_names_the_metric_in_each_row(tmp_path):
    store = Store(tmp_path)
    store.run("2026-01-02T03:04:05.000001", CLASSIFICATION)
    store.run("2026-01-03T03:04:05.000001", REGRESSION)
    header, newest, oldest = runs(tmp_path)
    assert header.split()[2] == "metric"
    assert "mean_squared_error 0.0012" in newest and "accuracy 0.9375" in oldest


def test_runs_without_an_evaluation_show_a_dash(tmp_path):
    from tfxflow.pipelines.history import RunRecord

    record = RunRecord(run_id="r", started="s", status="failed", cached=False, accuracy=None, task=None, metric=None,
                       blessed=None, pushed_version=None, served=False, drift=None)
    uncomputed = RunRecord(**{**record.to_json(), "metric": {"name": "mean_squared_error", "value": None}})
    assert metric_column([record]) == ("metric", ["-"])
    assert metric_column([uncomputed, record]) == ("mean_squared_error", ["-", "-"])


def test_a_run_killed_in_the_pusher_after_cached_components_is_incomplete_not_cached(tmp_path):
    store = Store(tmp_path)
    store.run("2026-01-02T03:04:05.000001", CLASSIFICATION, {"Evaluator": pb.Execution.CACHED,
                                                              "Pusher": pb.Execution.CACHED})
    store.run("2026-01-03T03:04:05.000001", CLASSIFICATION, {"Evaluator": pb.Execution.CACHED,
                                                              "Pusher": pb.Execution.RUNNING})
    _, killed, cached = runs(tmp_path)
    assert killed.split()[:2] == ["2026-01-03T03:04:05.000001", "incomplete"]
    assert cached.split()[:2] == ["2026-01-02T03:04:05.000001", "cached"]
    records = [json.loads(line) for line in runs(tmp_path, "--json")]
    assert [(r["status"], r["cached"]) for r in records] == [("incomplete", False), ("succeeded", True)]
