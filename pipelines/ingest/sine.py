"""`ingest: {kind: sine}`: generated points of y = sin(x), x uniform in [0, 2π): the tutorial's regression.

    ingest: {kind: sine, examples: 5000, eval_examples: 1000, seed: 0, noise: 0.0}
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal, Optional

from pydantic import Field

from tfxflow.pipelines.spec import MAX_SEED, Float, IngestSettings, Int

if TYPE_CHECKING:
    from tfx.dsl.components.base.base_component import BaseComponent

    from tfxflow.components.fingerprint_parameter import Parameter

MAX_EXAMPLES = 10**9  # 8 bytes a point in memory per chunk only; about 20 bytes a point on disk


class SineIngest(IngestSettings):
    """Generated points of y = sin(x), x uniform in [0, 2π): the settings are the data (nothing to fingerprint
    but them)."""

    kind: Literal["sine"] = Field("sine", description="generated points of sin(x), a regression")
    examples: Int = Field(5000, ge=2, le=MAX_EXAMPLES, description="training points")
    eval_examples: Int = Field(1000, ge=2, le=MAX_EXAMPLES, description="evaluation points")
    seed: Int = Field(0, ge=0, le=MAX_SEED, description="the same seed generates the same points")
    noise: Float = Field(0.0, ge=0, le=10, description="standard deviation of Gaussian noise added to y")

    # tests/test_spec.py checks these against components/sine_model/model.py's ARCHITECTURES.
    MODELS = ("mlp",)
    MODEL_PACKAGE = "tfxflow.components.sine_model"
    NORMALIZATION = "z_score"
    SCHEMA = "sine"
    LABEL = "y"  # the generator's (sine_example_gen/points.py; tests/test_spec.py checks it)
    TASKS = ("regression",)

    def example_gen(self, data_uri: str, fingerprint: Parameter, label: str) -> BaseComponent:
        from tfxflow.components.sine_example_gen.component import SineExampleGen

        return SineExampleGen(train_examples=self.examples, eval_examples=self.eval_examples, seed=self.seed,
                              noise=self.noise)

    def training_examples(self, label: str) -> tuple[list[bytes], str]:
        from tfxflow.components.sine_example_gen.points import split_records

        return (list(split_records("train", self.examples, self.seed, self.noise)),
                f"the sine generator (seed {self.seed}, {self.examples} points)")

    def new_examples(self, data: Optional[str | Path], label: str) -> tuple[list[bytes], str]:
        """The generator's training split, or TFRecord files of (x, y) tf.Examples under `data`."""
        from tfxflow.pipelines.drift import read_tfrecords

        if data is not None:
            return read_tfrecords(data, "sine tf.Examples"), str(data)
        return self.training_examples(label)
