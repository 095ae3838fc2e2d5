"""TFX's Transform executor with batches of one fixed size, so that what its analyzers compute does not
depend on how busy the machine is, and with the schema's path in the preprocessing_fn's custom_config.

    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(TransformExecutor)
    def preprocessing_fn(inputs, custom_config): schema = read_schema(custom_config["schema_path"])

TFX's Transform lets Beam's BatchElements size TFT's batches by how long the last ones took. TFT's
analyzers (the mean and variance behind `z_score`, the min and max behind `min_max`) then add up
the data in groups that differ from run to run under load; the sums differ in their last bits
(seen: transformed values 2.4e-7 apart for the same examples in the same order) and training
turns that into models 4e-4 apart. Batches of one size add up the same groups every run.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Optional

from tensorflow_metadata.proto.v0 import schema_pb2
from tfx.components.transform import executor as transform_executor
from tfx.components.transform import labels
from tfx.utils import json_utils

# The largest batch Beam's adaptive batching would reach (tfx_bsl.coders.batch_util._BATCH_SIZE_CAP).
BATCH_SIZE = 1000


class TransformExecutor(transform_executor.Executor):
    """TFX's Transform executor; every batch but a split's last holds BATCH_SIZE examples, and
    custom_config["schema_path"] is the file of the schema artifact Transform was given (so a
    preprocessing_fn encodes features by the schema this run validated, on any orchestrator)."""

    def _GetPreprocessingFn(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> Callable[..., Any]:
        config = json_utils.loads(inputs.get(labels.CUSTOM_CONFIG) or "{}")
        config["schema_path"] = inputs[labels.SCHEMA_PATH_LABEL]
        return super()._GetPreprocessingFn({**inputs, labels.CUSTOM_CONFIG: json_utils.dumps(config)}, outputs)

    def _GetDesiredBatchSize(self, data_format: int, schema: schema_pb2.Schema) -> Optional[int]:
        return super()._GetDesiredBatchSize(data_format, schema) or BATCH_SIZE
