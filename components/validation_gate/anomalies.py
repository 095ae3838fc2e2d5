"""TFDV anomalies as lines a person reads (no TFX here, so `tfxflow drift` can use it cheaply)."""
from __future__ import annotations

from tensorflow_metadata.proto.v0 import anomalies_pb2


def describe_errors(split: str, anomalies: anomalies_pb2.Anomalies) -> list[str]:
    """One line per error-level anomaly: split, feature, what was expected and what was found."""
    lines = []
    for feature, info in sorted(anomalies.anomaly_info.items()):
        if info.severity == anomalies_pb2.AnomalyInfo.ERROR:
            for reason in info.reason or [info]:
                what = f"{reason.short_description}: {reason.description}"
                lines.append(f"    {split} split, feature '{feature}': {what}")
    info = anomalies.dataset_anomaly_info
    if anomalies.HasField("dataset_anomaly_info") and info.severity == anomalies_pb2.AnomalyInfo.ERROR:
        lines.append(f"    {split} split, whole dataset: {info.short_description}: {info.description}")
    return lines
