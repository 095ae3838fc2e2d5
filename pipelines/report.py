"""A run's report: one self-contained HTML page beside its outputs, read back from MLMD alone.

    path = write_report(Path("runs/churn/metadata.sqlite"), "2026-12-01T12:03:16.178017")
    # runs/churn/reports/2026-12-01T12-03-16.178017.html

The page holds the data's statistics per feature (histograms of the train and eval splits), the
schema anomalies, the drift table against the served model, the evaluation (every metric; for
classification accuracy per class, a confusion matrix and for two classes the ROC curve; for
regression predicted against true values and the residuals), the learning curves, sample
predictions and the component timeline. It needs no network: images are inline PNGs (matplotlib),
styles are in the page, and there are no scripts. Every figure comes from what the run's
components wrote (StatisticsGen, ExampleValidator, DriftGate, the Evaluator's recorded outcome,
the Trainer's history, samples and eval predictions): nothing is
computed again, so `tfxflow report` re-creates the page of any run without TensorFlow.
"""
from __future__ import annotations

import base64
import datetime
import html
import io
import json
import os
from pathlib import Path
from typing import Any, Optional

import ml_metadata as mlmd
from ml_metadata.proto import metadata_store_pb2
from tensorflow_metadata.proto.v0 import anomalies_pb2, statistics_pb2

from tfxflow.components.drift_gate import DRIFT_KEY
from tfxflow.components.errors import BadInput
from tfxflow.components.label import Label
from tfxflow.components.object_store import read_file
from tfxflow.components.served_model_evaluator.metrics import class_name, per_class_accuracy, recorded
from tfxflow.components.validation_gate.anomalies import describe_errors
from tfxflow.pipelines.metadata_store import read_only_store
from tfxflow.pipelines.summary import metric_text, metrics_of, task_of, tensorboard_command

# Features drawn per page; the rest are listed by name.
MAX_FEATURES = 40
_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 75em; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0; } td, th { border: 1px solid #ccc; padding: .25em .6em; }
th { background: #f3f3f3; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.bad { color: #b00; font-weight: bold; } .ok { color: #070; } .muted { color: #777; }
.features { display: flex; flex-wrap: wrap; gap: 1em; } .feature { border: 1px solid #ddd; padding: .5em; }
.bar { background: #4a7ebb; height: 1em; display: inline-block; } .cached { background: #aaa; }
.failed { background: #b00; }
"""


class ReportError(BadInput):
    """No such run, or a store that cannot be read; the message is one line."""


def report_path(root: Path, run_id: str) -> Path:
    """Where a run's report goes: `<run.root>/reports/<run id>.html` (colons made dashes)."""
    return root / "reports" / f"{run_id.replace(':', '-')}.html"


def find_run(run_id: str, runs: Path) -> Path:
    """The MLMD store under `runs` (`runs/<pipeline>/metadata.sqlite`) that holds run `run_id`."""
    for store_path in sorted(runs.glob("*/metadata.sqlite")):
        try:
            if read_only_store(store_path).get_context_by_type_and_name("pipeline_run", run_id) is not None:
                return store_path
        except Exception:  # pylint: disable=broad-except  # another store's damage is not this lookup's
            continue
    raise ReportError(f"no run {run_id!r} in {runs}/*/metadata.sqlite; pass --pipeline PIPELINE_FILE "
                      "(`tfxflow runs PIPELINE_FILE` lists its runs)")


def write_report(store_path: Path, run_id: str) -> Path:
    """Writes the report of run `run_id` of the MLMD store at `store_path`, whole (written beside, then
    renamed); returns its path."""
    store = read_only_store(store_path)
    run = store.get_context_by_type_and_name("pipeline_run", run_id)
    if run is None:
        raise ReportError(f"{store_path}: no run {run_id!r}; `tfxflow runs PIPELINE_FILE` lists them")
    executions, outputs = _run_contents(store, run)
    page = render(run_id, executions, outputs)
    path = report_path(store_path.parent, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(path)
    return path


def render(run_id: str, executions: dict[str, metadata_store_pb2.Execution],
           outputs: dict[str, metadata_store_pb2.Artifact]) -> str:
    """The page, from a run's executions by component and its output artifacts by `Component.key`."""
    trainer = executions.get("Trainer")
    properties = trainer.custom_properties if trainer is not None else {}
    config = json.loads(properties["custom_config"].string_value or "{}") if "custom_config" in properties else {}
    outcome = recorded(outputs.get("Evaluator.blessing"))
    task, classes = _target(config.get("label", "label"), outcome, outputs.get("ImportSchemaGen.schema"))
    model_run = outputs.get("Trainer.model_run")
    parts = [
        f"<h1>Run {html.escape(run_id)}</h1>",
        _timeline(executions),
        "<h2>Data</h2>", _statistics(outputs.get("StatisticsGen.statistics")),
        "<h2>Schema anomalies</h2>", _anomalies(outputs.get("ExampleValidator.anomalies")),
        "<h2>Drift against the served model</h2>", _drift(outputs.get("DriftGate.drift")),
        "<h2>Evaluation</h2>", _evaluation(outcome, outputs.get("Evaluator.blessing"), classes, model_run),
        "<h2>Training</h2>", _training(model_run),
        "<h2>Sample predictions</h2>", _samples(model_run, task),
    ]
    return page(f"tfxflow run {run_id}", "\n".join(parts))


def page(title: str, body: str) -> str:
    """A whole HTML page with the report's styles, and nothing it would fetch."""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>{body}</body></html>")


def _run_contents(store: mlmd.MetadataStore, run: metadata_store_pb2.Context
                  ) -> tuple[dict[str, metadata_store_pb2.Execution], dict[str, metadata_store_pb2.Artifact]]:
    executions = store.get_executions_by_context(run.id)
    node_of = {}
    for execution in executions:
        nodes = [c for c in store.get_contexts_by_execution(execution.id) if c.type == "node"]
        if nodes:
            node_of[execution.id] = nodes[0].name.rpartition(".")[2]
    by_node = {node_of[e.id]: e for e in sorted(executions, key=lambda e: e.id) if e.id in node_of}
    events = [e for e in store.get_events_by_execution_ids([e.id for e in executions])
              if e.type == metadata_store_pb2.Event.OUTPUT and e.execution_id in node_of]
    artifacts = {a.id: a for a in store.get_artifacts_by_id([e.artifact_id for e in events])}
    return by_node, {f"{node_of[e.execution_id]}.{e.path.steps[0].key}": artifacts[e.artifact_id] for e in events}


def _timeline(executions: dict[str, metadata_store_pb2.Execution]) -> str:
    if not executions:
        return "<p class='muted'>No component ran.</p>"
    start = min(e.create_time_since_epoch for e in executions.values())
    end = max(e.last_update_time_since_epoch for e in executions.values())
    span = max(1, end - start)
    rows = []
    for name, execution in executions.items():
        state = metadata_store_pb2.Execution.State.Name(execution.last_known_state).lower()
        seconds = (execution.last_update_time_since_epoch - execution.create_time_since_epoch) / 1000
        offset = 100 * (execution.create_time_since_epoch - start) / span
        width = max(0.3, 100 * seconds * 1000 / span)
        css = {"cached": "bar cached", "failed": "bar failed"}.get(state, "bar")
        rows.append(f"<tr><td>{html.escape(name)}</td><td>{state}</td><td class='n'>{seconds:.1f} s</td>"
                    f"<td style='width:30em'><span style='margin-left:{offset:.1f}%;width:{width:.1f}%' "
                    f"class='{css}'></span></td></tr>")
    started = datetime.datetime.fromtimestamp(start / 1000).isoformat(sep=" ", timespec="seconds")
    return (f"<h2>Components</h2><p>Started {started}; {span / 1000:.1f} s from the first component's start to "
            f"the last one's end.</p><table><tr><th>component</th><th>state</th><th>time</th><th>timeline</th>"
            f"</tr>{''.join(rows)}</table>")


def _statistics(artifact: Optional[metadata_store_pb2.Artifact]) -> str:
    splits = {split: _stats(artifact, split) for split in ("train", "eval")} if artifact else {}
    splits = {split: stats for split, stats in splits.items() if stats is not None}
    if not splits:
        return "<p class='muted'>No statistics (StatisticsGen did not run).</p>"
    return statistics_section(splits)


def statistics_section(datasets: dict[str, statistics_pb2.DatasetFeatureStatistics]) -> str:
    """Each feature's numbers and a histogram of every dataset (train and eval; new data and baseline),
    the first dataset's features first."""
    counts = ", ".join(f"{name}: {stats.num_examples:,} examples" for name, stats in datasets.items())
    by_name = {name: {".".join(f.path.step): f for f in stats.features} for name, stats in datasets.items()}
    first = next(iter(by_name.values()))
    cells = []
    for feature in list(first)[:MAX_FEATURES]:
        histogram = _histogram({name: features.get(feature) for name, features in by_name.items()})
        cells.append(f"<div class='feature'><b>{html.escape(feature)}</b><br>{_summary(first[feature])}<br>"
                     f"{_image(histogram, f'histogram of {feature}')}</div>")
    more = list(first)[MAX_FEATURES:]
    rest = f"<p>Not drawn: {html.escape(', '.join(more))}</p>" if more else ""
    return f"<p>{counts}.</p><div class='features'>{''.join(cells)}</div>{rest}"


def _stats(artifact: metadata_store_pb2.Artifact, split: str) -> Optional[statistics_pb2.DatasetFeatureStatistics]:
    data = read_file(os.path.join(artifact.uri, f"Split-{split}", "FeatureStats.pb"))
    if data is None:
        return None
    return statistics_pb2.DatasetFeatureStatisticsList.FromString(data).datasets[0]


def _summary(feature: statistics_pb2.FeatureNameStatistics) -> str:
    kind = feature.WhichOneof("stats")
    if kind not in ("num_stats", "string_stats"):
        return ""
    common = getattr(feature, kind).common_stats
    # absent, or present with no value (an empty CSV cell)
    missing = common.num_missing + (common.num_non_missing - common.tot_num_values if common.max_num_values <= 1 else 0)
    if kind == "num_stats":
        stats = feature.num_stats
        return (f"<span class='muted'>mean {stats.mean:.4g}, std {stats.std_dev:.4g}, min {stats.min:.4g}, "
                f"max {stats.max:.4g}, missing {missing:,}</span>")
    return f"<span class='muted'>{feature.string_stats.unique:,} values, missing {missing:,}</span>"


def _histogram(features: dict[str, Optional[statistics_pb2.FeatureNameStatistics]]) -> Optional[bytes]:
    """The datasets side by side: value buckets for numbers, the most frequent values for strings; the
    first dataset filled, the others outlined."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(3.6, 1.9))
    drawn = False
    for index, (dataset, feature) in enumerate(features.items()):
        if feature is None:
            continue
        if feature.HasField("num_stats") and feature.num_stats.histograms:
            buckets = list(feature.num_stats.histograms[0].buckets)
            total = sum(b.sample_count for b in buckets) or 1
            edges = [buckets[0].low_value, *(b.high_value for b in buckets)]
            axis.stairs([b.sample_count / total for b in buckets], edges, label=dataset, fill=index == 0,
                        alpha=0.5 if index == 0 else 1.0)
            drawn = True
        elif feature.HasField("string_stats") and feature.string_stats.top_values:
            top = list(feature.string_stats.top_values)[:8]
            total = sum(v.frequency for v in top) or 1
            offset = 0.4 * index - 0.2
            axis.bar([i + offset for i in range(len(top))], [v.frequency / total for v in top], width=0.4,
                     label=dataset)
            axis.set_xticks(range(len(top)), [v.value[:8] for v in top], fontsize=7, rotation=30)
            drawn = True
    if not drawn:
        plt.close(figure)
        return None
    axis.set_ylabel("share", fontsize=7)
    axis.tick_params(labelsize=7)
    axis.legend(fontsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    plt.close(figure)
    return buffer.getvalue()


def _image(png: Optional[bytes], alt: str = "") -> str:
    if png is None:
        return ""
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"


def _anomalies(artifact: Optional[metadata_store_pb2.Artifact]) -> str:
    if artifact is None:
        return "<p class='muted'>Not checked (the ExampleValidator did not run).</p>"
    lines = []
    for split in ("train", "eval"):
        data = read_file(os.path.join(artifact.uri, f"Split-{split}", "SchemaDiff.pb"))
        if data is not None:
            lines += describe_errors(split, anomalies_pb2.Anomalies.FromString(data))
    if not lines:
        return "<p class='ok'>None: both splits match the schema.</p>"
    return "<ul>" + "".join(f"<li class='bad'>{html.escape(line.strip())}</li>" for line in lines) + "</ul>"


def _drift(artifact: Optional[metadata_store_pb2.Artifact]) -> str:
    if artifact is None:
        return "<p class='muted'>Not checked (drift.baseline is none, or the DriftGate did not run).</p>"
    verdict = artifact.custom_properties[DRIFT_KEY].string_value if DRIFT_KEY in artifact.custom_properties else ""
    data = read_file(os.path.join(artifact.uri, "drift.json"))
    report = json.loads(data) if data is not None else {"features": []}
    return f"<p>{html.escape(verdict)}</p>" + drift_table(report["features"])


def drift_table(features: list[dict[str, Any]]) -> str:
    """Per feature: measure, value, threshold, drifted (the DriftGate's drift.json, `tfxflow drift`'s report)."""
    if not features:
        return ""
    rows = "".join(
        f"<tr><td>{html.escape(f['feature'])}</td><td>{html.escape(f['measure'])}</td><td class='n'>{f['value']:.4g}"
        f"</td><td class='n'>{f['threshold']:g}</td><td class='{'bad' if f['drifted'] else 'ok'}'>"
        f"{'yes' if f['drifted'] else 'no'}</td></tr>" for f in features)
    return ("<table><tr><th>feature</th><th>measure</th><th>value</th><th>threshold</th><th>drifted</th></tr>"
            f"{rows}</table>")


def _evaluation(outcome: Optional[dict[str, Any]], blessing: Optional[metadata_store_pb2.Artifact],
                classes: tuple[str, ...], model_run: Optional[metadata_store_pb2.Artifact]) -> str:
    """The verdict and every metric; a classifier's accuracy per class, confusion matrix and (two classes)
    ROC curve; a regression's predictions against the true values and its residuals."""
    if outcome is None:
        return "<p class='muted'>Not evaluated (the Evaluator did not run).</p>"
    blessed = blessing is not None and blessing.custom_properties["blessed"].int_value == 1
    verdict = ("<p class='ok'>Blessed.</p>" if blessed else "<p class='bad'>Not blessed:</p><ul>" + "".join(
        f"<li>{html.escape(reason)}</li>" for reason in outcome.get("failed_thresholds", [])) + "</ul>")
    metrics = metrics_of(outcome)
    examples = f"{outcome.get('examples', 0):,} eval examples"
    if task_of(outcome) == "regression":
        return verdict + f"<p>On {examples}:</p>" + _metrics_table(metrics) + _regression_plots(model_run)
    accuracy = metrics.get("accuracy")
    overall = f"<p>Accuracy {accuracy:.4f} on {examples}.</p>" if accuracy is not None else ""
    more = _metrics_table(metrics) if set(metrics) - {"accuracy"} else ""

    per_class = "".join(f"<tr><td>{html.escape(name)}</td><td class='n'>{value:.4f}</td></tr>"
                        for name, value in per_class_accuracy(outcome, classes).items())
    table = f"<table><tr><th>class</th><th>accuracy</th></tr>{per_class}</table>" if per_class else ""
    return (verdict + overall + more + table + _confusion(outcome.get("confusion_matrix", []), classes)
            + _roc(outcome.get("roc", []), metrics.get("auc")))


def _metrics_table(metrics: dict[str, float]) -> str:
    rows = "".join(f"<tr><td>{html.escape(name)}</td><td class='n'>{metric_text(value)}</td></tr>"
                   for name, value in metrics.items())
    return f"<table><tr><th>metric</th><th>value</th></tr>{rows}</table>"


def _roc(points: list[list[float]], auc: Optional[float]) -> str:
    """Two classes: the ROC curve TFMA computed (the Evaluator's outcome["roc"])."""
    if not points:
        return ""
    from tfxflow.pipelines.evaluation_plots import roc_curve

    area = f"AUC {auc:.4f}" if auc is not None else "AUC not computed"
    return (f"<h3>ROC curve</h3><p>{area}: the area under the curve, 1 for a perfect ranking, 0.5 for "
            f"chance.</p>{_image(roc_curve(points, auc), f'ROC curve, {area}')}")


def _regression_plots(model_run: Optional[metadata_store_pb2.Artifact]) -> str:
    """From the Trainer's eval_predictions.json: the model's value for the first eval examples."""
    data = read_file(os.path.join(model_run.uri, "eval_predictions.json")) if model_run is not None else None
    if data is None:
        return "<p class='muted'>No plots: the Trainer recorded no eval predictions (eval_predictions.json).</p>"
    from tfxflow.pipelines.evaluation_plots import predicted_against_true, residuals

    predictions = json.loads(data)
    true, predicted = [float(v) for v in predictions["true"]], [float(v) for v in predictions["predicted"]]
    if not true or len(true) != len(predicted):
        return "<p class='muted'>No plots: eval_predictions.json holds no pairs of true and predicted values.</p>"
    shown = f"the first {len(true):,} eval examples"
    return (f"<h3>Predicted against true</h3><p class='muted'>One dot per example ({shown}); on the red line "
            f"the prediction is exact.</p>{_image(predicted_against_true(true, predicted), 'predicted against true')}"
            f"<h3>Residuals</h3><p class='muted'>Predicted minus true value, {shown}.</p>"
            f"{_image(residuals(true, predicted), 'histogram of residuals')}")


def _confusion(entries: list[list[int]], classes: tuple[str, ...]) -> str:
    if not entries:
        return ""
    ids = sorted({entry[0] for entry in entries} | {entry[1] for entry in entries if entry[1] >= 0})
    counts = {(actual, predicted): count for actual, predicted, count in entries}
    largest = max(counts.values()) or 1
    header = "".join(f"<th>{html.escape(class_name(classes, i))}</th>" for i in ids)
    rows = []
    for actual in ids:
        cells = []
        for predicted in ids:
            count = counts.get((actual, predicted), 0)
            shade = 0.08 + 0.6 * count / largest if count else 0
            cells.append(f"<td class='n' style='background:rgba(74,126,187,{shade:.2f})'>{count:,}</td>")
        rows.append(f"<tr><th>{html.escape(class_name(classes, actual))}</th>{''.join(cells)}</tr>")
    return (f"<h3>Confusion matrix</h3><p class='muted'>Rows: the true class; columns: the predicted one.</p>"
            f"<table><tr><th></th>{header}</tr>{''.join(rows)}</table>")


def _training(model_run: Optional[metadata_store_pb2.Artifact]) -> str:
    if model_run is None:
        return "<p class='muted'>Not trained (the Trainer did not run).</p>"
    directory = model_run.uri
    curve = read_file(os.path.join(directory, "learning_curve.png"))
    history_data = read_file(os.path.join(directory, "history.json"))
    table = ""
    if history_data is not None:
        history = json.loads(history_data)
        train = [key for key in history if not key.startswith("val_")]  # loss, accuracy or a regression's errors
        keys = train + [f"val_{key}" for key in train if f"val_{key}" in history]
        rows = "".join("<tr><td class='n'>" + str(epoch + 1) + "</td>" + "".join(
            f"<td class='n'>{history[key][epoch]:.4f}</td>" for key in keys) + "</tr>"
            for epoch in range(len(history.get("loss", []))))
        heads = "".join(f"<th>{html.escape(key.replace('val_', 'eval '))}</th>" for key in keys)
        table = f"<table><tr><th>epoch</th>{heads}</tr>{rows}</table>"
    image = _image(curve, "learning curves") if curve is not None else ""
    command = html.escape(tensorboard_command(directory))
    return image + table + f"<p class='muted'>TensorBoard: <code>{command}</code></p>"


def _samples(model_run: Optional[metadata_store_pb2.Artifact], task: str) -> str:
    if model_run is None:
        return "<p class='muted'>None (the Trainer did not run).</p>"
    grid = read_file(os.path.join(model_run.uri, "sample_predictions.png"))
    image = _image(grid, "sample predictions") if grid is not None else ""
    data = read_file(os.path.join(model_run.uri, "samples.json"))
    if data is None:
        return image or "<p class='muted'>None recorded.</p>"
    samples = json.loads(data)
    names = list(samples[0]["features"]) if samples else []
    heads = "".join(f"<th>{html.escape(name)}</th>" for name in names)
    if task == "regression":
        rows = "".join(
            "<tr>" + _value_cells(s["predicted"], s["true"])
            + "".join(f"<td>{html.escape(s['features'].get(name, ''))}</td>" for name in names) + "</tr>"
            for s in samples)
        return (image + "<p class='muted'>The exported model on the first eval examples.</p><table><tr><th>"
                f"predicted</th><th>true</th><th>error</th>{heads}</tr>{rows}</table>")
    rows = "".join(
        f"<tr><td>{html.escape(s['predicted'])}</td><td class='n'>{s['probability']:.3f}</td>"
        f"<td class='{'ok' if s['true'] == s['predicted'] else 'bad'}'>{html.escape(s['true'])}</td>"
        + "".join(f"<td>{html.escape(s['features'].get(name, ''))}</td>" for name in names) + "</tr>"
        for s in samples)
    return (image + "<p class='muted'>The exported model on the first eval examples.</p><table><tr><th>predicted"
            f"</th><th>probability</th><th>true</th>{heads}</tr>{rows}</table>")


def _value_cells(predicted: float, true: Optional[float]) -> str:
    """A regression sample's predicted value, true value and error; an example without the label has no
    true value (None)."""
    if true is None:
        return f"<td class='n'>{predicted:g}</td><td></td><td></td>"
    return f"<td class='n'>{predicted:g}</td><td class='n'>{true:g}</td><td class='n'>{predicted - true:+.4g}</td>"


def _target(label: str | dict[str, Any], outcome: Optional[dict[str, Any]],
            schema: Optional[metadata_store_pb2.Artifact]) -> tuple[str, tuple[str, ...]]:
    """The task and the class names by id: from the Trainer's label (Label.to_config()), or for a run
    before regression (its label's key alone) from the Evaluator's outcome and the schema."""
    if isinstance(label, dict):
        target = Label.from_config(label)
        return target.task, target.classes
    return task_of(outcome or {}), _classes(schema, label)


def _classes(schema: Optional[metadata_store_pb2.Artifact], label: str) -> tuple[str, ...]:
    """The label's class names by id, from the run's schema artifact (none if unreadable)."""
    from tfxflow.components.feature_model.features import SchemaPlanError, label_of
    from tfxflow.components.schema_text import read_schema

    if schema is None:
        return ()
    try:
        return label_of(read_schema(os.path.join(schema.uri, "schema.pbtxt")), label).classes
    except (OSError, SchemaPlanError):
        return ()
