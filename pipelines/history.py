"""`tfxflow runs`: a pipeline's runs as recorded in its MLMD store, newest first.

    for run in list_runs(spec): print(run.run_id, run.status, run.accuracy, run.drift)
"""
from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from typing import Any, Optional

import ml_metadata as mlmd
from ml_metadata.proto import metadata_store_pb2
from tfx.orchestration import metadata

from components.drift_gate import baseline as previous_run
from components.drift_gate.executor import DRIFT_KEY
from pipelines.spec import PipelineSpec
from pipelines.summary import candidate_metrics


@dataclass
class RunRecord:
    """One run: `status` is succeeded (its Pusher finished), failed, or incomplete (stopped or running)."""

    run_id: str
    started: str
    status: str
    accuracy: Optional[float]
    blessed: Optional[bool]
    pushed_version: Optional[str]
    drift: Optional[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def list_runs(spec: PipelineSpec) -> list[RunRecord]:
    """Every run of the pipeline in `<run.root>/metadata.sqlite`, newest first (none if no store)."""
    path = spec.run.root / "metadata.sqlite"
    if not path.is_file():
        return []
    store = mlmd.MetadataStore(metadata.sqlite_metadata_connection_config(str(path)))
    return [_record(store, run) for run in previous_run.runs_of(store, spec.name)]


def _record(store: mlmd.MetadataStore, run: metadata_store_pb2.Context) -> RunRecord:
    states = previous_run.execution_states(store, run)
    failed = {name for _, name, state in states if state == metadata_store_pb2.Execution.FAILED}
    outputs = previous_run.run_outputs(store, run)
    evaluation, blessing, pushed = (outputs.get(k) for k in ("Evaluator.evaluation", "Evaluator.blessing",
                                                              "Pusher.pushed_model"))
    drift = outputs.get("DriftGate.drift")
    status = "failed" if failed else "succeeded" if previous_run.pusher_done(states) else "incomplete"
    return RunRecord(
        run_id=run.name,
        started=datetime.datetime.fromtimestamp(run.create_time_since_epoch / 1000).isoformat(timespec="seconds"),
        status=status,
        accuracy=candidate_metrics(evaluation.uri).get("accuracy") if evaluation else None,
        blessed=blessing.custom_properties["blessed"].int_value == 1 if blessing else None,
        pushed_version=_pushed_version(pushed),
        drift=_drift(drift, stopped="DriftGate" in failed),
    )


def _drift(drift: Optional[metadata_store_pb2.Artifact], stopped: bool) -> Optional[str]:
    if stopped:
        return "stopped the run (drift.fail_on_drift)"
    return drift.custom_properties[DRIFT_KEY].string_value if drift else None


def _pushed_version(pushed: Optional[metadata_store_pb2.Artifact]) -> Optional[str]:
    if pushed is None or pushed.custom_properties["pushed"].int_value != 1:
        return None
    return pushed.custom_properties["pushed_version"].string_value
