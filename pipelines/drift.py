"""`tfxflow drift`: does new data still fit the schema, and has it moved from the training data?

    result = check_drift(spec, data=Path("new.npz"), baseline=None)
    result.report.drifted, result.report.features, result.report.anomalies

New data is read by the pipeline's ingest kind (its `new_examples`: for mnist the npz checks and
conversion of NpzExampleGen; for baker its generator, or TFRecords of its examples) and decoded
as StatisticsGen decodes examples. The baseline is the training statistics stored with the served
model (the newest version in `pusher.serving_dir`), or a statistics file.
"""
from __future__ import annotations

import dataclasses
import html
import os
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pyarrow as pa
import tensorflow as tf
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx_bsl.coders import example_coder

from tfxflow.components.atomic_pusher.versions import newest_version
from tfxflow.components.drift_gate.drift import (
    DriftReport,
    Statistics,
    compare,
    load_schema,
    load_statistics,
    statistics_of_batches,
)
from tfxflow.components.errors import BadInput
from tfxflow.pipelines.spec import PipelineSpec, location_text


# New examples decoded and measured at a time: the MNIST test split's 10,000 in one batch, or fewer if they
# pass BATCH_BYTES. TFDV's combiners take time and memory by the values in a batch: one of 10,000 rows of
# 1,000 columns took 15 s and 1.7 GB, five of 2,000 rows 1.5 s and 0.4 GB (bench/wide_data.py).
BATCH_EXAMPLES = 10_000
BATCH_BYTES = 16 << 20  # TFDV merges its input batches up to 20 MiB (statistics/stats_impl.py)


class DriftInputError(BadInput):
    """New data or a baseline that cannot be used; the message is one line."""


@dataclass
class DriftCheck:
    """What was compared with what, and the outcome."""

    data: str
    baseline: str
    examples: int
    report: DriftReport
    statistics: Statistics
    baseline_statistics: Statistics
    notices: tuple[str, ...] = ()  # lines for stderr: features the data lacks and the schema lets be missing

    def to_json(self) -> dict:
        return {"data": self.data, "baseline": self.baseline, "examples": self.examples, **self.report.to_json()}

    def to_text(self) -> str:
        rows = [("feature", "measure", "value", "threshold", "drifted")]
        rows += [(f.feature, f.measure, f"{f.value:.3g}", f"{f.threshold:g}", "yes" if f.drifted else "no")
                 for f in self.report.features]
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        lines = [f"{self.examples} examples from {self.data} against {self.baseline}"]
        lines += ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
        lines += ["anomalies:", *(f"  {line}" for line in self.report.anomalies)] if self.report.anomalies else []
        lines.append(f"drift: {self.report.summary()}; anomalies: {len(self.report.anomalies) or 'none'}")
        return "\n".join(lines)


def check_drift(spec: PipelineSpec, data: Optional[str | Path], baseline: Optional[Path]) -> DriftCheck:
    """Statistics of the new data, validated against the schema and compared with the baseline. New data
    without labels (rows alone) is checked against the schema without the label, and its label is not
    compared."""
    schema = load_schema(location_text(spec.schema_file))
    statistics, description, examples = new_data_statistics(spec, data)
    present = {".".join(feature.path.step) for feature in statistics.datasets[0].features}
    notices = _missing_features(schema, present, spec.label.key, description)
    if spec.label.key not in present:
        kept = [feature for feature in schema.feature if feature.name != spec.label.key]
        del schema.feature[:]
        schema.feature.extend(kept)
        description += " (no labels)"
    baseline_statistics, baseline_description = _baseline(spec, baseline)
    report = compare(statistics, schema, baseline_statistics)
    compared = {feature.feature for feature in report.features}
    missing = sorted(f.name for f in schema.feature if f.HasField("drift_comparator") and f.name not in compared)
    if missing:
        raise DriftInputError(
            f"baseline {baseline_description}: no statistics of {', '.join(missing)}; "
            f"expected the training statistics of a {spec.ingest.kind} pipeline"
        )
    return DriftCheck(description, baseline_description, examples, report, statistics, baseline_statistics,
                      notices)


def _missing_features(schema: schema_pb2.Schema, present: set[str], label: str, data: str) -> tuple[str, ...]:
    """A notice for each schema feature the new data lacks that the schema lets be missing (a presence below
    100 %); DriftInputError (one line, naming the data's other features: `Age` for `age`) for another."""
    missing = [feature for feature in schema.feature if feature.name not in present and feature.name != label]
    required = [feature.name for feature in missing if feature.presence.min_fraction >= 1]
    if required:
        known = {feature.name for feature in schema.feature}
        others = sorted(present - known)
        raise DriftInputError(f"{data}: no feature {', '.join(required)}, which the schema requires; its other "
                              f"features: {', '.join(others) or 'none'}; expected the features of the schema")
    return tuple(f"{data}: no feature {feature.name}; the schema lets it be missing, so it is compared as missing"
                 for feature in missing)


def new_data_statistics(spec: PipelineSpec, data: Optional[str | Path]) -> tuple[Statistics, str, int]:
    """TFDV statistics of new data, a description of it, and its number of examples (record_statistics:
    memory holds one batch, however large the data)."""
    records, description = spec.ingest.new_examples(data, spec.label.key)
    statistics, examples = record_statistics(records, load_schema(location_text(spec.schema_file)))
    if not examples:
        raise DriftInputError("--data: no examples found")
    return statistics, description, examples


def record_statistics(records: Iterable[bytes], schema: Optional[schema_pb2.Schema],
                      **options: int) -> tuple[Statistics, int]:
    """TFDV statistics of serialized tf.Examples (statistics_of_batches: `schema` and `options`), and how
    many there were; decoded BATCH_EXAMPLES (or BATCH_BYTES) at a time, so memory holds one batch, however
    many there are.

        statistics, examples = record_statistics(csv_records(["new.csv"]), load_schema("schema.pbtxt"))
    """
    examples = 0

    def batches() -> Iterator[pa.RecordBatch]:
        nonlocal examples
        decoder, batch, size = example_coder.ExamplesToRecordBatchDecoder(), [], 0
        for record in records:
            batch.append(record)
            size += len(record)
            if len(batch) == BATCH_EXAMPLES or size >= BATCH_BYTES:
                examples += len(batch)
                yield decoder.DecodeBatch(batch)
                batch, size = [], 0
        if batch:
            examples += len(batch)
            yield decoder.DecodeBatch(batch)

    return statistics_of_batches(batches(), schema, **options), examples


def write_html(check: DriftCheck, path: Path) -> None:
    """A page with the drift table, the anomalies and the statistics of the new data beside the
    baseline's, per feature; self-contained (pipelines/report.py): it needs no network."""
    from tfxflow.pipelines.report import drift_table, page, statistics_section

    features = [{**dataclasses.asdict(f), "drifted": f.drifted} for f in check.report.features]
    anomalies = "".join(f"<li class='bad'>{html.escape(line)}</li>" for line in check.report.anomalies)
    body = (f"<h1>Drift: {html.escape(check.report.summary())}</h1>"
            f"<p>{check.examples} examples from {html.escape(check.data)} against {html.escape(check.baseline)}</p>"
            f"{drift_table(features)}<h2>Schema anomalies</h2>"
            f"{'<ul>' + anomalies + '</ul>' if anomalies else '<p class=ok>None.</p>'}<h2>Statistics</h2>"
            + statistics_section({"new data": check.statistics.datasets[0],
                                  "baseline": check.baseline_statistics.datasets[0]}))
    path.write_text(page("tfxflow drift", body), encoding="utf-8")


def read_tfrecords(data: str | Path, what: str) -> Iterator[bytes]:
    """Every record of the TFRecord files (gzipped or not) under the directory `data` (a path or a URI),
    serialized `what`, read as they are asked for."""
    files = sorted(os.path.join(directory, name) for directory, _, names in tf.io.gfile.walk(str(data))
                   for name in names)
    if not files:
        raise DriftInputError(f"--data: {data}: expected a directory of TFRecord files of {what}")
    return read_records(files, data)


def read_records(files: list[str], where: str | Path) -> Iterator[bytes]:
    """Every record of the TFRecord `files` (`.gz`: gzipped), in order, read as they are asked for; `where`
    names them in errors."""
    if not files:
        raise DriftInputError(f"--data: {where}: no TFRecord files found")
    return _records(files, where)


def _records(files: list[str], where: str | Path) -> Iterator[bytes]:
    try:
        for file in files:
            records = tf.data.TFRecordDataset(file, "GZIP" if file.endswith(".gz") else "")
            for batch in records.batch(BATCH_EXAMPLES).as_numpy_iterator():
                yield from batch
    except tf.errors.OpError as error:
        raise DriftInputError(f"--data: {where}: not readable as TFRecords ({error.message.splitlines()[0]})") from None


def _baseline(spec: PipelineSpec, baseline: Optional[Path]) -> tuple[Statistics, str]:
    if baseline is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # protobuf warns, and returns a part, on a truncated file
                return load_statistics(baseline), str(baseline)
        except Exception as error:  # TFDV raises IOError, DecodeError, ValueError or warnings by format
            raise DriftInputError(f"--baseline: {baseline}: not a TFDV statistics file ({error})") from None
    serving_dir = location_text(spec.pusher.serving_dir)
    served = newest_version(serving_dir)
    if served is None or not tf.io.gfile.exists(served.statistics):
        raise DriftInputError(
            f"no served model with training statistics in {serving_dir} and no --baseline: "
            f"run the pipeline first or pass --baseline FILE (a StatisticsGen FeatureStats.pb)"
        )
    return load_statistics(served.statistics), f"the training statistics of served version {served.path}"
