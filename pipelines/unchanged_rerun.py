"""An unchanged rerun answered from MLMD without TensorFlow: when a run with the same run key
(run_inputs.run_key) succeeded, its components are recorded again as cached, under a new run.

    replayed = replay_cached_run(store_path, key, run_id, on_start, on_end)   # None: run the pipeline
    replayed.source, replayed.launches   # the run replayed; each component's report and new execution id
    ...
    stamp_run(store_path, run_id, key)   # after a run that succeeded: the next unchanged one is replayed

A scheduled rerun that finds nothing changed is the most common run there is; through TFX it costs
importing TensorFlow, TFX's launcher and with it every standard component (about 5 s) to learn that
every cache key matches. The run key covers all those keys follow (every setting, the content
fingerprints and served baselines, tfxflow's own code), so equal keys give the same answer.

What is written is what TFX's launcher writes for a node whose cache key matches
(tfx/orchestration/portable/launcher.py, steps 5 to 8, TFX 1.16.0): a new execution of the node's type
with its execution properties, associated with the pipeline, the node and the cache key's contexts
and the new pipeline_run context (a child of the pipeline's), with INPUT events to the same input
artifacts and OUTPUT events to the cached outputs, in state CACHED; and only once the outputs are
confirmed to exist (cache_utils.get_cached_outputs, artifact_utils.verify_artifacts). Outputs in an
object store cannot be confirmed without TensorFlow: such a run goes through TFX.
"""
from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, Optional

from ml_metadata.proto import metadata_store_pb2

from tfxflow.components.object_store import scheme
from tfxflow.pipelines.metadata_store import writable_store
from tfxflow.pipelines.summary import ComponentReport

# Custom property of a pipeline_run context: the run key of a run in which every component succeeded.
RUN_KEY = "tfxflow_run_key"
_DONE = (metadata_store_pb2.Execution.COMPLETE, metadata_store_pb2.Execution.CACHED)


class Replayed(NamedTuple):
    source: str  # the id of the run replayed
    launches: list[tuple[ComponentReport, int]]  # each component's report and its new execution


def replay_cached_run(
    store_path: Path,
    key: str,
    run_id: str,
    on_start: Callable[[str], None],
    on_end: Callable[[ComponentReport], None],
) -> Optional[Replayed]:
    """Records run `run_id` as a copy of the newest run stamped with `key`, every component cached; None
    (nothing written) when there is no such run or one of its outputs is gone."""
    if not store_path.is_file():
        return None
    store = writable_store(store_path)
    runs = [run for run in store.get_contexts_by_type("pipeline_run")
            if RUN_KEY in run.custom_properties and run.custom_properties[RUN_KEY].string_value == key]
    if not runs:
        return None
    source = max(runs, key=lambda run: run.id)
    executions = sorted(store.get_executions_by_context(source.id), key=lambda execution: execution.id)
    events = store.get_events_by_execution_ids([execution.id for execution in executions])
    artifacts = {artifact.id: artifact for artifact in store.get_artifacts_by_id({e.artifact_id for e in events})}
    outputs = [artifacts[e.artifact_id] for e in events if e.type == metadata_store_pb2.Event.OUTPUT]
    if not executions or any(e.last_known_state not in _DONE for e in executions) or not all(map(_exists, outputs)):
        return None
    [pipeline] = store.get_parent_contexts_by_context(source.id)
    [run_context] = store.put_contexts([metadata_store_pb2.Context(type_id=source.type_id, name=run_id)])
    store.put_parent_contexts([metadata_store_pb2.ParentContext(child_id=run_context, parent_id=pipeline.id)])
    [run] = store.get_contexts_by_id([run_context])
    launches = []
    for execution in executions:
        contexts = [c for c in store.get_contexts_by_execution(execution.id) if c.id != source.id]
        name = next(c.name for c in contexts if c.type == "node").partition(".")[2]
        on_start(name)
        started = time.perf_counter()
        cached = metadata_store_pb2.Execution()
        cached.CopyFrom(execution)  # its type and execution properties
        for field in ("id", "create_time_since_epoch", "last_update_time_since_epoch"):
            cached.ClearField(field)
        cached.name, cached.last_known_state = str(uuid.uuid4()), metadata_store_pb2.Execution.CACHED
        links = [(artifacts[e.artifact_id], metadata_store_pb2.Event(type=e.type, path=e.path))
                 for e in events if e.execution_id == execution.id]
        cached_id, _, _ = store.put_execution(cached, links, [*contexts, run])
        report = ComponentReport(name, "cached", round(time.perf_counter() - started, 3))
        launches.append((report, cached_id))
        on_end(report)
    return Replayed(source.name, launches)


def stamp_run(store_path: Path, run_id: str, key: str) -> None:
    """Marks run `run_id`, in which every component succeeded, as the one a rerun with `key` replays."""
    store = writable_store(store_path)
    run = store.get_context_by_type_and_name("pipeline_run", run_id)
    run.custom_properties[RUN_KEY].string_value = key
    store.put_contexts([run])


def _exists(artifact: metadata_store_pb2.Artifact) -> bool:
    return not scheme(artifact.uri) and os.path.exists(artifact.uri)
