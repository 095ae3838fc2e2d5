"""What a run did, read back from MLMD: component states, metrics, blessing, the pushed and the served model.

    summary = summarize(store, spec, run_id, launches, wall_seconds=91.0)
    print(summary.to_text())   # or json.dumps(summary.to_json())
"""
from __future__ import annotations

import dataclasses
import os
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import ml_metadata as mlmd
from ml_metadata.proto import metadata_store_pb2

from tfxflow.components.atomic_pusher.versions import newest_version
from tfxflow.components.drift_gate import DRIFT_KEY
from tfxflow.components.object_store import filesystem
from tfxflow.components.served_model_evaluator.metric_names import HEADLINE
from tfxflow.components.served_model_evaluator.metrics import per_class_accuracy, recorded
from tfxflow.pipelines.spec import PipelineSpec, location_text


@dataclass
class ComponentReport:
    """One component of one run: `state` is ran, cached or failed."""

    name: str
    state: str
    seconds: float
    error: Optional[str] = None


@dataclass
class RunSummary:
    """The outcome of one run, as `tfxflow run` prints it."""

    pipeline: str
    run_id: str
    status: str
    components: list[ComponentReport]
    blessed: bool
    pushed_model: Optional[str]
    served_model: Optional[str] = None
    serves_this_run: bool = False
    task: Optional[str] = None  # classification or regression, as the Evaluator measured it (None: no evaluation)
    metrics: dict[str, Any] = field(default_factory=dict)
    plots: list[str] = field(default_factory=list)
    tensorboard: Optional[str] = None
    notes: list[str] = field(default_factory=list)
    drift: Optional[str] = None
    report: Optional[str] = None  # the run's HTML report (pipelines/report.py)
    wall_seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; components carry `name`, `state`, `seconds` (and `error` on failure)."""
        data = dataclasses.asdict(self)
        data["components"] = [{k: v for k, v in c.items() if v is not None} for c in data["components"]]
        return data

    def to_text(self) -> str:
        """A few lines for a person."""
        lines = [f"{self.pipeline} run {self.run_id}: {self.status} in {self.wall_seconds:.1f} s"]
        failed = [c for c in self.components if c.state == "failed"]
        lines += [f"  {c.name} failed: {c.error}" for c in failed]
        lines += [f"  {line}" for line in metric_lines(self.task, self.metrics)]
        if not failed:
            lines.append(f"  blessed: {'yes' if self.blessed else 'no'}")
            lines.append(f"  pushed: {self._pushed()}")
        if self.served_model:
            lines.append(f"  served: {self.served_model} ({'' if self.serves_this_run else 'not '}this run's model)")
        if self.drift:
            lines.append(f"  drift: {self.drift}")
        lines += [f"  plot: {plot}" for plot in self.plots]
        if self.report:
            lines.append(f"  report: {self.report}")
        if self.tensorboard:
            lines.append(f"  {tensorboard_command(self.tensorboard)}")
        lines += [f"  {note}" for note in self.notes]
        return "\n".join(lines)

    def _pushed(self) -> str:
        if self.pushed_model is None:
            return "nothing"
        if any(c.name == "Pusher" and c.state == "cached" for c in self.components):
            return f"nothing new (an earlier run pushed this model as {self.pushed_model})"
        return self.pushed_model


def summarize(
    store: mlmd.MetadataStore,
    spec: PipelineSpec,
    run_id: str,
    launches: list[tuple[ComponentReport, Optional[int]]],
    wall_seconds: float,
) -> RunSummary:
    """Reads the outputs of this run's executions (ran or cached) from MLMD."""
    artifacts = _output_artifacts(store, [execution for _, execution in launches if execution is not None])
    outputs = _by_type(store, artifacts)
    reports = [report for report, _ in launches]
    succeeded = bool(reports) and all(r.state != "failed" for r in reports)
    summary = RunSummary(
        pipeline=spec.name,
        run_id=run_id,
        status="succeeded" if succeeded else "failed",
        components=reports,
        blessed=_int_property(outputs.get("ModelBlessing"), "blessed") == 1,
        pushed_model=None,
        wall_seconds=round(wall_seconds, 1),
    )
    if _int_property(outputs.get("PushedModel"), "pushed") == 1:
        summary.pushed_model = outputs["PushedModel"].custom_properties["pushed_destination"].string_value
    served = newest_version(location_text(spec.pusher.serving_dir))
    if served is not None:
        summary.served_model = served.path
        model = outputs.get("Model")
        summary.serves_this_run = model is not None and served.record is not None and served.record.model == model.uri
    summary.drift = drift_result(artifacts)
    if summary.drift and summary.drift.startswith("drift in"):
        summary.notes.append(f"warning: the training data drifted from the served model's: {summary.drift}")
    model_run = outputs.get("ModelRun")
    if model_run is not None:
        summary.plots = sorted(filesystem(model_run.uri).glob(os.path.join(model_run.uri, "*.png")))
        summary.tensorboard = model_run.uri
    evaluation = outputs.get("ModelEvaluation")
    outcome = recorded(outputs.get("ModelBlessing"), evaluation.uri if evaluation else None)
    if outcome is not None:
        summary.task = task_of(outcome)
        summary.metrics = candidate_metrics(outcome, _classes(spec))
        if not summary.blessed:
            summary.notes.append("not pushed: the Evaluator did not bless the model:")
            summary.notes += [f"  {reason}" for reason in outcome["failed_thresholds"] or
                              ["no metric failed; see the Evaluator's validation result"]]
    return summary


def candidate_metrics(outcome: dict[str, Any], classes: Sequence[str] = ()) -> dict[str, Any]:
    """The Evaluator's outcome (served_model_evaluator/metrics.py) as the summary's metrics: every metric
    it computed by TFMA's name, the example count, and for classification the accuracy per class by name.

        candidate_metrics({"task": "regression", "examples": 9, "metrics": {"mean_squared_error": 0.5}})
        # {"mean_squared_error": 0.5, "examples": 9}
    """
    metrics: dict[str, Any] = {**metrics_of(outcome), "examples": outcome.get("examples", 0)}
    if task_of(outcome) == "classification":
        metrics["per_class_accuracy"] = per_class_accuracy(outcome, classes)
    return metrics


def task_of(outcome: dict[str, Any]) -> str:
    """The outcome's task; an Evaluator before regression recorded none: classification."""
    return outcome.get("task", "classification")


def metrics_of(outcome: dict[str, Any]) -> dict[str, float]:
    """Every metric the Evaluator computed, by TFMA's name (an older outcome holds only `accuracy`);
    metrics it could not compute (None) are left out."""
    metrics = outcome["metrics"] if "metrics" in outcome else {"accuracy": outcome.get("accuracy")}
    return {name: value for name, value in metrics.items() if value is not None}


def headline(outcome: dict[str, Any]) -> tuple[str, Optional[float]]:
    """The metric a run is known by: accuracy for classification, mean_squared_error for regression."""
    name = HEADLINE[task_of(outcome)]
    return name, metrics_of(outcome).get(name)


def metric_text(value: float) -> str:
    """A metric for a person: 4 decimals, or 4 significant digits when those would hide it.

        metric_text(0.91234)   # '0.9123'      metric_text(0.00001234)   # '1.234e-05'
    """
    return f"{value:.4f}" if value == 0 or 1e-3 <= abs(value) < 1e6 else f"{value:.4g}"


def metric_lines(task: Optional[str], metrics: dict[str, Any]) -> list[str]:
    """The summary's metric lines: accuracy on N examples, per class, and AUC, precision and recall for
    two classes; for regression the errors on N examples on one line (every metric is in --json)."""
    def pairs(names: tuple[str, ...]) -> str:
        return "  ".join(f"{name}: {metric_text(metrics[name])}" for name in names if metrics.get(name) is not None)

    examples = f" on {metrics.get('examples', 0)} eval examples"
    if task == "regression":
        errors = pairs(("mean_squared_error", "root_mean_squared_error", "mean_absolute_error", "r_squared"))
        return [errors + examples] if errors else []
    lines = [pairs(("accuracy",)) + examples] if metrics.get("accuracy") is not None else []
    per_class = metrics.get("per_class_accuracy", {})
    if per_class:
        lines.append("per class: " + "  ".join(f"{label}: {value:.3f}" for label, value in per_class.items()))
    binary = pairs(("auc", "precision", "recall"))
    return lines + ([binary] if binary else [])


def tensorboard_command(logdir: str) -> str:
    """The venv's own tensorboard on `logdir`: the command works as printed (and pasted: quoted)."""
    return shlex.join([str(Path(sys.executable).with_name("tensorboard")), "--logdir", logdir])


def drift_result(artifacts: list[metadata_store_pb2.Artifact]) -> Optional[str]:
    """The DriftGate's verdict among a run's outputs: 'none', 'drift in ...', 'no baseline ...'."""
    found = [a.custom_properties[DRIFT_KEY].string_value for a in artifacts if DRIFT_KEY in a.custom_properties]
    return found[0] if found else None


def _output_artifacts(store: mlmd.MetadataStore, execution_ids: list[int]) -> list[metadata_store_pb2.Artifact]:
    events = store.get_events_by_execution_ids(execution_ids)
    return store.get_artifacts_by_id([e.artifact_id for e in events if e.type == metadata_store_pb2.Event.OUTPUT])


def _by_type(
    store: mlmd.MetadataStore, artifacts: list[metadata_store_pb2.Artifact]
) -> dict[str, metadata_store_pb2.Artifact]:
    types = {t.id: t.name for t in store.get_artifact_types_by_id(list({a.type_id for a in artifacts}))}
    return {types[a.type_id]: a for a in sorted(artifacts, key=lambda a: a.id)}


def _int_property(artifact: Optional[metadata_store_pb2.Artifact], name: str) -> Optional[int]:
    if artifact is None or name not in artifact.custom_properties:
        return None
    return artifact.custom_properties[name].int_value


def _classes(spec: PipelineSpec) -> tuple[str, ...]:
    """The label's class names by id, from the spec's schema (none if it cannot be read)."""
    from tfxflow.components.feature_model.features import SchemaPlanError

    try:
        return spec.target().classes
    except (OSError, SchemaPlanError):
        return ()
