"""Drift between two sets of TFDV statistics, measured as the schema's drift comparators declare.

    report = compare(statistics, schema, baseline)
    report.drifted                      # any feature above its threshold
    report.features                     # per feature: measure, value, threshold, drifted
    report.anomalies                    # schema anomalies (not drift), one line each

`tfxflow drift` and the pipeline's DriftGate both measure with this module.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import tensorflow_data_validation as tfdv
from tensorflow_data_validation.statistics import stats_impl
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

from tfxflow.components.validation_gate.anomalies import describe_errors

Statistics = statistics_pb2.DatasetFeatureStatisticsList
_MEASURES = {
    anomalies_pb2.DriftSkewInfo.Measurement.JENSEN_SHANNON_DIVERGENCE: "Jensen-Shannon divergence",
    anomalies_pb2.DriftSkewInfo.Measurement.L_INFTY: "L-infinity distance",
}


@dataclass(frozen=True)
class FeatureDrift:
    """One feature's drift measurement; drifted when the value exceeds the schema's threshold."""

    feature: str
    measure: str
    value: float
    threshold: float

    @property
    def drifted(self) -> bool:
        return self.value > self.threshold


@dataclass
class DriftReport:
    """The comparison of new statistics with a baseline."""

    features: list[FeatureDrift]
    anomalies: list[str]

    @property
    def drifted(self) -> bool:
        return any(feature.drifted for feature in self.features)

    def summary(self) -> str:
        """One line: 'none' or the drifted features with their values."""
        drifted = [f"{f.feature} ({f.measure} {f.value:.3g} > {f.threshold:g})" for f in self.features if f.drifted]
        return "drift in " + ", ".join(drifted) if drifted else "none"

    def to_json(self) -> dict:
        return {
            "drifted": self.drifted,
            "features": [{**dataclasses.asdict(f), "drifted": f.drifted} for f in self.features],
            "anomalies": self.anomalies,
        }


def compare(statistics: Statistics, schema: schema_pb2.Schema, baseline: Statistics) -> DriftReport:
    """Validates `statistics` against `schema` and measures its drift from `baseline`."""
    result = tfdv.validate_statistics(statistics, schema, previous_statistics=baseline)
    features = [
        FeatureDrift(".".join(info.path.step), _MEASURES.get(m.type, str(m.type)), m.value, m.threshold)
        for info in result.drift_skew_info
        for m in info.drift_measurements
    ]
    schema_only = anomalies_pb2.Anomalies()
    schema_only.CopyFrom(result)
    for name, info in result.anomaly_info.items():
        reasons = [r for r in info.reason if not anomalies_pb2.AnomalyInfo.Type.Name(r.type).startswith("COMPARATOR_")]
        del schema_only.anomaly_info[name].reason[:]
        schema_only.anomaly_info[name].reason.extend(reasons)
        if not reasons:
            del schema_only.anomaly_info[name]
    lines = [line.strip().removeprefix("new split, ") for line in describe_errors("new", schema_only)]
    return DriftReport(sorted(features, key=lambda f: f.feature), lines)


def statistics_of(record_batch: pa.RecordBatch, schema: schema_pb2.Schema, **options: int) -> Statistics:
    """TFDV statistics of in-memory examples, with the options StatisticsGen uses given the schema (and
    `options` of tfdv.StatsOptions, such as num_rank_histogram_buckets)."""
    return statistics_of_batches([record_batch], schema, **options)


def statistics_of_batches(batches: Iterable[pa.RecordBatch], schema: schema_pb2.Schema, **options: int) -> Statistics:
    """statistics_of the examples of every batch, one batch held at a time: TFDV's combiners take each batch
    in turn (as StatisticsGen's Beam job gives them bundles) and their accumulators stay small.

        statistics = statistics_of_batches(map(decoder.DecodeBatch, chunks), schema)   # memory: one chunk
    """
    generators = stats_impl.get_generators(tfdv.StatsOptions(schema=schema, **options), in_memory=True)
    accumulators = [generator.create_accumulator() for generator in generators]
    for batch in batches:
        accumulators = [generator.add_input(accumulator, batch)
                        for generator, accumulator in zip(generators, accumulators, strict=True)]
    return stats_impl.extract_statistics_output(accumulators, generators)


def load_schema(path: str | Path) -> schema_pb2.Schema:
    return tfdv.load_schema_text(str(path))


def load_statistics(path: str | Path) -> Statistics:
    """A statistics file: StatisticsGen's binary FeatureStats.pb, or text (.pbtxt)."""
    path = str(path)
    return tfdv.load_stats_text(path) if path.endswith((".pbtxt", ".txt")) else tfdv.load_stats_binary(path)
