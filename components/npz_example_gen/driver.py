"""Driver of NpzExampleGen: TFX's file fingerprint (size, mtime) plus the file's sha256.

The fingerprint is part of the cache key, so an unchanged file is served from cache and a changed
one is re-ingested, even when it was rewritten within the same second at the same size.
"""
from __future__ import annotations

import hashlib
from typing import Any

from tfx.components.example_gen import driver, utils
from tfx.dsl.io import fileio
from tfx.orchestration import data_types

from components.npz_example_gen.executor import npz_path


class Driver(driver.FileBasedDriver):
    """FileBasedDriver whose input fingerprint also covers the npz file's bytes."""

    def resolve_exec_properties(
        self,
        exec_properties: dict[str, Any],
        pipeline_info: data_types.PipelineInfo,
        component_info: data_types.ComponentInfo,
    ) -> dict[str, Any]:
        exec_properties = super().resolve_exec_properties(exec_properties, pipeline_info, component_info)
        path = npz_path(exec_properties)
        if fileio.exists(path):  # a missing file is the executor's error to report
            exec_properties[utils.FINGERPRINT_PROPERTY_NAME] += f",sha256:{sha256(path)}"
        return exec_properties


def sha256(path: str) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with fileio.open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
