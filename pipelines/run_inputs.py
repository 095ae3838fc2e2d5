"""What a local run depends on: the settings its content fingerprints are taken of, and one key over all of it.

    settings = fingerprint_settings(spec)                  # the parameters of fingerprint_inputs
    key = run_key(spec, fingerprint_inputs(**settings))    # equal keys: TFX would take every component from cache

Nothing here imports TensorFlow or TFX, so an unchanged rerun can be recognized without them
(pipelines/unchanged_rerun.py).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from tfxflow.components.input_fingerprint.fingerprints import Fingerprints, code_digest
from tfxflow.components.registry import MODELS
from tfxflow.pipelines.spec import PipelineSpec, location_text

# tfxflow's own code: a changed component or pipeline builder may change what a run does.
_OWN_PACKAGES = ("tfxflow.components", "tfxflow.pipelines")


def fingerprint_settings(spec: PipelineSpec) -> dict[str, Any]:
    """What the fingerprints are taken of (the parameters of fingerprint_inputs and InputFingerprint):
    the ingestion's settings and data, the schema file, the settings and code that train the model,
    and the serving directory the baselines come from."""
    return {
        "ingest": _json(spec.ingest.model_dump(mode="json", exclude={"path"})),
        "data_uri": spec.ingest.data_uri(),
        "schema_file": location_text(spec.schema_file),
        "settings": _json({"transform": spec.transform.model_dump(mode="json"),
                           "trainer": spec.trainer.model_dump(mode="json")}),
        **model_functions(spec),
        "serving_dir": location_text(spec.pusher.serving_dir),
    }


def model_functions(spec: PipelineSpec) -> dict[str, str]:
    """The dotted paths of the `preprocessing_fn` (Transform) and `run_fn` (Trainer) the spec runs (the
    kind's, or the user's), and `package.module:function` of the model function the run_fn builds
    (`model_fn`; "" for a preset's own architecture): each module's source is fingerprinted."""
    package = spec.ingest.MODEL_PACKAGE
    model = spec.trainer.model
    preset = model in spec.ingest.MODELS
    return {"preprocessing_fn": (spec.transform.preprocessing_fn or f"{package}.preprocessing:preprocessing_fn"
                                 ).replace(":", "."),
            "run_fn": (spec.trainer.run_fn or f"{package}.model:run_fn").replace(":", "."),
            "model_fn": "" if preset else MODELS.path_of(model)}


def run_key(spec: PipelineSpec, fingerprints: Fingerprints) -> str:
    """sha256 of everything the compiled pipeline and its components' cache keys follow: every setting of
    the spec (its custom components' code by their fingerprints), the content fingerprints and the
    served baselines, and the source of tfxflow itself."""
    everything = {
        "spec": spec.model_dump(mode="json"),
        "fingerprints": dataclasses.asdict(fingerprints),
        "custom_code": [code_digest([c.class_.partition(":")[0]]) for c in spec.components],
        "tfxflow": code_digest(list(_OWN_PACKAGES)),
        "working_directory": str(Path.cwd()),
    }
    return hashlib.sha256(_json(everything).encode()).hexdigest()


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
