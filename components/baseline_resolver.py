"""The Evaluator's baseline: the latest blessed model older than the candidate being evaluated.

    Resolver(strategy_class=PreviousBlessedModelStrategy, model=Channel(type=Model),
             model_blessing=Channel(type=ModelBlessing), candidate=trainer.outputs["model"])

TFX's LatestBlessedModelStrategy hands an unchanged rerun its own cached model as the baseline;
the Evaluator's inputs then differ from the first run's, so it and the Pusher run again and push
the same model twice. Excluding models that are not older than the candidate keeps a rerun cached.
"""
from __future__ import annotations

from typing import Optional

import ml_metadata as mlmd
from tfx import types
from tfx.dsl.input_resolution.strategies.latest_blessed_model_strategy import LatestBlessedModelStrategy

CANDIDATE_KEY = "candidate"


class PreviousBlessedModelStrategy(LatestBlessedModelStrategy):
    """LatestBlessedModelStrategy restricted to models produced before the `candidate` model."""

    def resolve_artifacts(
        self, store: mlmd.MetadataStore, input_dict: dict[str, list[types.Artifact]]
    ) -> Optional[dict[str, list[types.Artifact]]]:
        candidates = input_dict.pop(CANDIDATE_KEY)
        if candidates:
            newest_allowed = min(candidate.id for candidate in candidates)
            for key, artifacts in input_dict.items():
                if artifacts and artifacts[0].type_name == "Model":
                    input_dict[key] = [model for model in artifacts if model.id < newest_allowed]
        result = super().resolve_artifacts(store, input_dict)
        return None if result is None else {**result, CANDIDATE_KEY: candidates}
