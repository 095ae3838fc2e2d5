"""`tfxflow runs`: a pipeline's runs as recorded in its MLMD store, newest first.

    for run in list_runs(spec): print(run.run_id, run.status, run.metric, run.served, run.drift)
    # run.metric: the task's headline metric, {"name": "accuracy" or "mean_squared_error", "value": 0.91}

Everything is read from MLMD and the serving directory's records, without importing TensorFlow,
TFX or TFMA (the Evaluator records what it measured on its blessing: served_model_evaluator/metrics.py).
"""
from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from typing import Any, Optional

import ml_metadata as mlmd
from ml_metadata.proto import metadata_store_pb2

from tfxflow.components.atomic_pusher.versions import newest_version
from tfxflow.components.drift_gate import DRIFT_KEY
from tfxflow.components.served_model_evaluator.metrics import recorded
from tfxflow.pipelines.metadata_store import check_store, read_only_store
from tfxflow.pipelines.spec import PipelineSpec, location_text
from tfxflow.pipelines.summary import headline, metric_text, task_of

_DONE = (metadata_store_pb2.Execution.COMPLETE, metadata_store_pb2.Execution.CACHED)


@dataclass
class RunRecord:
    """One run: `status` is succeeded (its Pusher finished), failed, or incomplete (stopped or running);
    `cached` whether it executed nothing (every component from cache: its push is an earlier run's);
    `served` whether its model is the one served now; `task` and `metric` (the headline: accuracy for
    classification, mean_squared_error for regression) are None when nothing was evaluated, `accuracy`
    also for regression."""

    run_id: str
    started: str
    status: str
    cached: bool
    accuracy: Optional[float]
    task: Optional[str]
    metric: Optional[dict[str, Any]]  # {"name": "accuracy", "value": 0.91}; value None if not computed
    blessed: Optional[bool]
    pushed_version: Optional[str]
    served: bool
    drift: Optional[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def list_runs(spec: PipelineSpec) -> list[RunRecord]:
    """Every run of the pipeline in `<run.root>/metadata.sqlite`, newest first (none if no store).

    Raises StoreError when the store cannot be read.
    """
    path = spec.run.root / "metadata.sqlite"
    if not path.is_file():
        return []
    check_store(path)
    store = read_only_store(path)
    nodes = _node_of_execution(store, spec.name)
    served = newest_version(location_text(spec.pusher.serving_dir))
    served_model = served.record.model if served is not None and served.record is not None else None
    return [_record(store, run, nodes, served_model) for run in _runs(store, nodes)]


def _record(
    store: mlmd.MetadataStore, run: metadata_store_pb2.Context, nodes: dict[int, str], served_model: Optional[str]
) -> RunRecord:
    executions = store.get_executions_by_context(run.id)
    failed = {nodes[e.id] for e in executions if e.last_known_state == metadata_store_pb2.Execution.FAILED}
    done = {e.id for e in executions if e.last_known_state in _DONE}
    outputs = _outputs(store, done, nodes)
    evaluation, blessing, pushed, model = (outputs.get(k) for k in ("Evaluator.evaluation", "Evaluator.blessing",
                                                                     "Pusher.pushed_model", "Trainer.model"))
    drift = outputs.get("DriftGate.drift")
    outcome = recorded(blessing, evaluation.uri if evaluation else None)
    name, value = headline(outcome) if outcome is not None else (None, None)
    return RunRecord(
        run_id=run.name,
        started=datetime.datetime.fromtimestamp(run.create_time_since_epoch / 1000).isoformat(timespec="seconds"),
        status="failed" if failed else "succeeded" if any(nodes[e] == "Pusher" for e in done) else "incomplete",
        cached=bool(executions) and all(e.last_known_state == metadata_store_pb2.Execution.CACHED
                                        for e in executions),  # a killed component's execution is RUNNING
        accuracy=value if name == "accuracy" else None,
        task=task_of(outcome) if outcome is not None else None,
        metric={"name": name, "value": value} if name is not None else None,
        blessed=blessing.custom_properties["blessed"].int_value == 1 if blessing else None,
        pushed_version=_pushed_version(pushed),
        served=model is not None and model.uri == served_model,
        drift="stopped the run (drift.fail_on_drift)" if "DriftGate" in failed else
        drift.custom_properties[DRIFT_KEY].string_value if drift else None,
    )


def metric_column(records: list[RunRecord]) -> tuple[str, list[str]]:
    """The `tfxflow runs` table's metric column: the headline's name as its header and each run's value
    ('-' if none); a history whose task changed has the header `metric` and names it in each cell.

        metric_column(list_runs(spec))   # ("mean_squared_error", ["0.0012", "-"])
    """
    names = {record.metric["name"] for record in records if record.metric is not None}
    header = next(iter(names)) if len(names) == 1 else "metric"
    cells = []
    for record in records:
        if record.metric is None or record.metric["value"] is None:
            cells.append("-")
        else:
            value = metric_text(record.metric["value"])
            cells.append(value if header != "metric" else f"{record.metric['name']} {value}")
    return header, cells


def _node_of_execution(store: mlmd.MetadataStore, pipeline_name: str) -> dict[int, str]:
    """Execution id -> the id of the pipeline node it executed (e.g. 'Pusher')."""
    prefix = f"{pipeline_name}."
    return {
        execution.id: node.name.removeprefix(prefix)
        for node in store.get_contexts_by_type("node")
        if node.name.startswith(prefix)
        for execution in store.get_executions_by_context(node.id)
    }


def _runs(store: mlmd.MetadataStore, nodes: dict[int, str]) -> list[metadata_store_pb2.Context]:
    """The runs (pipeline_run contexts) with executions of the pipeline's nodes, newest first."""
    runs = {
        context.id: context
        for execution in nodes
        for context in store.get_contexts_by_execution(execution)
        if context.type == "pipeline_run"
    }
    return sorted(runs.values(), key=lambda run: (run.create_time_since_epoch, run.id), reverse=True)


def _outputs(store: mlmd.MetadataStore, executions: set[int], nodes: dict[int, str]) -> dict[str, Any]:
    """The output artifacts of `executions` as 'Node.key', e.g. 'StatisticsGen.statistics'."""
    events = store.get_events_by_execution_ids(list(executions))
    events = [e for e in events if e.type == metadata_store_pb2.Event.OUTPUT]
    artifacts = {a.id: a for a in store.get_artifacts_by_id([e.artifact_id for e in events])}
    return {f"{nodes[e.execution_id]}.{e.path.steps[0].key}": artifacts[e.artifact_id] for e in events}


def _pushed_version(pushed: Optional[metadata_store_pb2.Artifact]) -> Optional[str]:
    if pushed is None or pushed.custom_properties["pushed"].int_value != 1:
        return None
    return pushed.custom_properties["pushed_version"].string_value
