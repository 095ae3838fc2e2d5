"""An unchanged rerun replayed from MLMD (pipelines/unchanged_rerun.py), on real MLMD stores written here
as TFX writes a run, and the run key that decides it (pipelines/run_inputs.py)."""
import dataclasses
import subprocess
import sys
from pathlib import Path

import ml_metadata as mlmd
import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from conftest import REPO
from tfxflow.components.input_fingerprint.fingerprints import Fingerprints
from tfxflow.pipelines.load import load_spec
from tfxflow.pipelines.run_inputs import run_key
from tfxflow.pipelines.unchanged_rerun import RUN_KEY, replay_cached_run, stamp_run

NODES = ("ExampleGen", "Trainer")


def open_store(path: Path) -> mlmd.MetadataStore:
    config = pb.ConnectionConfig()
    config.sqlite.filename_uri = str(path)
    return mlmd.MetadataStore(config)


def record_run(store: mlmd.MetadataStore, root: Path, run_id: str, trainer_state=pb.Execution.COMPLETE) -> None:
    """Run `run_id` of pipeline "p" as TFX's launcher records it: ExampleGen writes examples, which the
    Trainer reads to write a model; each execution in the pipeline's, the run's, its node's and its
    cache key's contexts."""
    context_type = {name: store.put_context_type(pb.ContextType(name=name))
                    for name in ("pipeline", "pipeline_run", "node", "execution_cache")}
    pipeline = store.get_context_by_type_and_name("pipeline", "p") or pb.Context(
        type_id=context_type["pipeline"], name="p")
    [pipeline.id] = store.put_contexts([pipeline])
    [run] = store.put_contexts([pb.Context(type_id=context_type["pipeline_run"], name=run_id)])
    store.put_parent_contexts([pb.ParentContext(child_id=run, parent_id=pipeline.id)])
    examples_type = store.put_artifact_type(pb.ArtifactType(name="Examples"))
    model_type = store.put_artifact_type(pb.ArtifactType(name="Model"))
    inputs: list[pb.Artifact] = []
    for node, artifact_type, state in zip(NODES, (examples_type, model_type), (pb.Execution.COMPLETE, trainer_state)):
        node_context = store.get_context_by_type_and_name("node", f"p.{node}") or pb.Context(
            type_id=context_type["node"], name=f"p.{node}")
        cache = pb.Context(type_id=context_type["execution_cache"], name=f"{run_id}-{node}")
        [node_context.id, cache.id] = store.put_contexts([node_context, cache])
        contexts = [pipeline, store.get_contexts_by_id([run])[0], node_context, cache]
        execution = pb.Execution(type_id=store.put_execution_type(pb.ExecutionType(name=node)), name=f"{run_id}-{node}",
                                 last_known_state=state)
        execution.custom_properties["setting"].string_value = f"{node} settings"
        output = root / node / run_id
        output.mkdir(parents=True)
        artifact = pb.Artifact(type_id=artifact_type, uri=str(output), state=pb.Artifact.LIVE)
        links = [(a, pb.Event(type=pb.Event.INPUT)) for a in inputs] + [(artifact, pb.Event(type=pb.Event.OUTPUT))]
        _, artifact_ids, _ = store.put_execution(execution, links, contexts)
        artifact.id = artifact_ids[-1]
        inputs = [artifact]


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "metadata.sqlite"
    record_run(open_store(path), tmp_path / "pipeline", "run-1")
    stamp_run(path, "run-1", "key-1")
    return path


def replay(store_path: Path, key: str, run_id: str = "run-2"):
    seen = []
    replayed = replay_cached_run(store_path, key, run_id, on_start=seen.append, on_end=lambda report: seen.append(
        (report.name, report.state)))
    return replayed, seen


def contexts_of(store, execution_id) -> set[str]:
    return {f"{c.type}:{c.name}" for c in store.get_contexts_by_execution(execution_id)}


def test_a_stamped_run_is_recorded_again_as_tfx_records_a_cached_one(store_path):
    replayed, seen = replay(store_path, "key-1")
    assert replayed.source == "run-1"
    assert seen == ["ExampleGen", ("ExampleGen", "cached"), "Trainer", ("Trainer", "cached")]
    store = open_store(store_path)
    run = store.get_context_by_type_and_name("pipeline_run", "run-2")
    assert [c.name for c in store.get_parent_contexts_by_context(run.id)] == ["p"]
    old = sorted(store.get_executions_by_context(store.get_context_by_type_and_name("pipeline_run", "run-1").id),
                 key=lambda e: e.id)
    new = sorted(store.get_executions_by_context(run.id), key=lambda e: e.id)
    assert [execution_id for _, execution_id in replayed.launches] == [e.id for e in new]
    for before, after in zip(old, new):
        assert after.last_known_state == pb.Execution.CACHED and after.type_id == before.type_id
        assert after.custom_properties == before.custom_properties and after.name != before.name
        assert contexts_of(store, after.id) == contexts_of(store, before.id) - {"pipeline_run:run-1"} | {
            "pipeline_run:run-2"}
        events = [(e.artifact_id, e.type) for e in store.get_events_by_execution_ids([before.id])]
        assert sorted((e.artifact_id, e.type) for e in store.get_events_by_execution_ids([after.id])) == sorted(events)
    # Not stamped itself until the caller knows the run succeeded; then the newest stamped run is replayed.
    assert RUN_KEY not in run.custom_properties
    stamp_run(store_path, "run-2", "key-1")
    assert replay(store_path, "key-1", "run-3")[0].source == "run-2"


def test_another_key_replays_nothing_and_writes_nothing(store_path):
    before = len(open_store(store_path).get_executions())
    assert replay(store_path, "key-2") == (None, [])
    store = open_store(store_path)
    assert len(store.get_executions()) == before and store.get_context_by_type_and_name("pipeline_run", "run-2") is None


def test_a_run_whose_output_is_gone_is_not_replayed(store_path, tmp_path):
    (tmp_path / "pipeline" / "Trainer" / "run-1").rmdir()  # TFX's cache would not take it either (verify_artifacts)
    assert replay(store_path, "key-1") == (None, [])


def test_a_run_with_a_component_not_done_is_not_replayed(tmp_path):
    path = tmp_path / "metadata.sqlite"
    record_run(open_store(path), tmp_path / "pipeline", "run-1", trainer_state=pb.Execution.FAILED)
    stamp_run(path, "run-1", "key-1")
    assert replay(path, "key-1") == (None, [])


def test_outputs_in_an_object_store_go_through_tfx(store_path):
    """Their existence cannot be confirmed without TensorFlow's file systems."""
    store = open_store(store_path)
    [artifact] = [a for a in store.get_artifacts() if a.uri.endswith("Trainer/run-1")]
    artifact.uri = "s3://bucket/pipeline/Trainer/1"
    store.put_artifacts([artifact])
    assert replay(store_path, "key-1") == (None, [])


def test_no_store_replays_nothing(tmp_path):
    assert replay(tmp_path / "metadata.sqlite", "key-1") == (None, [])


FINGERPRINTS = Fingerprints(*(f"{i:064x}" for i in range(5)), drift_baseline="", model_baseline="")


def test_the_run_key_follows_every_setting_and_fingerprint():
    spec = load_spec(REPO / "pipelines" / "baker.yaml")
    key = run_key(spec, FINGERPRINTS)
    assert run_key(load_spec(REPO / "pipelines" / "baker.yaml"), FINGERPRINTS) == key
    assert run_key(load_spec(REPO / "pipelines" / "baker.yaml", ["trainer.epochs=4"]), FINGERPRINTS) != key
    assert run_key(load_spec(REPO / "pipelines" / "baker.yaml", ["evaluator.min_accuracy=0.5"]), FINGERPRINTS) != key
    for field in dataclasses.fields(Fingerprints):  # data, schema, code, lineage and the served baselines
        changed = dataclasses.replace(FINGERPRINTS, **{field.name: "other"})
        assert run_key(spec, changed) != key, field.name


def test_an_unchanged_rerun_is_answered_without_importing_tensorflow_or_tfx():
    """What `tfxflow run` imports before it knows whether anything must execute."""
    code = ("import sys, tfxflow.pipelines.cli, tfxflow.pipelines.run; "
            "print(sorted(m for m in ('tensorflow', 'tfx', 'apache_beam') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr[-2000:]
