"""TFDV's documented drift check, for bench/drift_speed.py: statistics with a Beam job, then validation.

    python bench/tfdv_drift.py NEW.tfrecord BASELINE_STATS.pb    # prints {"drifted": ...}
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # as TFX runs TensorFlow
import tensorflow_data_validation as tfdv  # noqa: E402

records, baseline = sys.argv[1:]
schema = tfdv.load_schema_text(os.path.join(os.path.dirname(__file__), "..", "schemas", "mnist", "schema.pbtxt"))
statistics = tfdv.generate_statistics_from_tfrecord(records, stats_options=tfdv.StatsOptions(schema=schema))
anomalies = tfdv.validate_statistics(statistics, schema, previous_statistics=tfdv.load_stats_binary(baseline))
print(json.dumps({"drifted": bool(anomalies.anomaly_info)}))
