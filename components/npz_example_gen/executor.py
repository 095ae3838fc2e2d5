"""Executor of NpzExampleGen: the npz's train and test arrays become the train and eval splits.

It writes the TFRecords itself (components/tfrecord_splits.py), not through BaseExampleGenExecutor's
Beam pipeline: images stream from the npz CHUNK at a time, so memory stays flat whatever the file holds, and Beam's
per-record Reshuffle and default gzip level took 25 s for MNIST's 70,000 images where this takes
about 2 s.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from tfx import types
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils, standard_component_specs

from tfxflow.components.npz_example_gen.arrays import open_arrays
from tfxflow.components.npz_example_gen.examples import array_examples
from tfxflow.components.npz_example_gen.mnist_npz import Npz, Split
from tfxflow.components.tfrecord_splits import write_splits

# MNIST images read from the npz and converted at a time (larger rows: as many values): bounds memory
# (the int64 staging copy is ~63 MB).
CHUNK = 10_000
_MNIST_ROW = 28 * 28
# Output split -> the npz split it is read from.
SOURCES = {"train": "train", "eval": "test"}
PATH_KEY = "path"
FINGERPRINT_KEY = "fingerprint"
FEATURE_KEY = "feature"  # the feature each x row becomes
LABEL_KEY = "label"  # the feature each y value becomes


class Executor(base_executor.BaseExecutor):
    """Checks all it can before writing anything (every header, labels whole, row dtypes and shapes);
    row data that proves corrupt while streaming removes what was written: a bad file leaves no Examples."""

    def Do(
        self,
        input_dict: dict[str, list[types.Artifact]],
        output_dict: dict[str, list[types.Artifact]],
        exec_properties: dict[str, Any],
    ) -> None:
        examples = artifact_utils.get_single_instance(output_dict[standard_component_specs.EXAMPLES_KEY])
        names = exec_properties[FEATURE_KEY], exec_properties[LABEL_KEY]
        with Npz(exec_properties[PATH_KEY]) as npz:
            splits = open_arrays(npz)
            write_splits(examples, {split: _records(npz, splits[source], *names) for split, source in SOURCES.items()})


def _records(npz: Npz, split: Split, feature: str, label: str) -> Iterator[bytes]:
    """One split's serialized examples, read from the npz CHUNK rows at a time."""
    start = 0
    rows = max(1, CHUNK * _MNIST_ROW // max(1, math.prod(split.images.shape[1:])))
    for x in npz.chunks(split.images, rows):
        yield from array_examples(x, split.labels[start : start + len(x)], feature, label)
        start += len(x)
