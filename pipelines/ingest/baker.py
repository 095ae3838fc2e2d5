"""`ingest: {kind: baker}`: generated sequences, uniform noise (label 0) or baker-map orbits x -> 3x mod 1 (label 1).

    ingest: {kind: baker, examples: 20000, eval_examples: 2000, length: 100, seed: 0}
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal, Optional

from pydantic import Field, model_validator

from tfxflow.pipelines.spec import MAX_SEED, IngestSettings, Int

if TYPE_CHECKING:
    from tfx.dsl.components.base.base_component import BaseComponent

    from tfxflow.components.fingerprint_parameter import Parameter

# (examples + eval_examples) x length values are written as float32 TFRecords: 10**10 is 40 GB.
# BakerExampleGen generates and writes 1000-example shards one at a time, and the Trainer streams
# splits larger than trainer.memory_mb (components/keras_training.py).
MAX_EXAMPLES = 10**8
MAX_VALUES = 10**10


class BakerIngest(IngestSettings):
    """Generated sequences, uniform noise (label 0) or baker-map orbits x -> 3x mod 1 (label 1): the settings
    are the data (nothing to fingerprint but them)."""

    kind: Literal["baker"] = Field("baker", description="generated sequences, a binary classification")
    examples: Int = Field(20000, ge=2, le=MAX_EXAMPLES, description="training examples (half of each label)")
    eval_examples: Int = Field(2000, ge=2, le=MAX_EXAMPLES, description="evaluation examples; (examples + "
                               "eval_examples) x length is at most 10**10 values (40 GB of float32 TFRecords)")
    # A shard of 1000 sequences is generated in memory as float64: 800 MB at the longest.
    length: Int = Field(100, ge=2, le=100_000, description="values per sequence (the curated schema expects 100)")
    seed: Int = Field(0, ge=0, le=MAX_SEED, description="the same seed generates the same data")

    # tests/test_spec.py checks these against components/baker_model/model.py's ARCHITECTURES.
    MODELS = ("mlp", "conv")
    MODEL_PACKAGE = "tfxflow.components.baker_model"
    NORMALIZATION = "z_score"
    SCHEMA = "baker"
    LABEL = "label"  # the generator's (baker_example_gen/sequences.py; tests/test_spec.py checks it)
    TASKS = ("classification",)

    @model_validator(mode="after")
    def _fits_in_memory(self) -> BakerIngest:
        values = (self.examples + self.eval_examples) * self.length
        if values > MAX_VALUES:
            raise ValueError(
                f"(examples + eval_examples) x length is {values:,} values; expected at most {MAX_VALUES:,} "
                f"(written as float32 examples: 4 bytes a value on disk)"
            )
        return self

    def example_gen(self, data_uri: str, fingerprint: Parameter, label: str) -> BaseComponent:
        from tfxflow.components.baker_example_gen.component import BakerExampleGen

        return BakerExampleGen(
            train_examples=self.examples, eval_examples=self.eval_examples, length=self.length, seed=self.seed
        )

    def training_examples(self, label: str) -> tuple[list[bytes], str]:
        from tfxflow.components.baker_example_gen.examples import generate_split

        examples = generate_split("train", self.examples, self.seed, self.length)
        return [example.SerializeToString() for example in examples], self._described()

    def _described(self) -> str:
        return f"the baker generator (seed {self.seed}, {self.examples} sequences)"

    def new_examples(self, data: Optional[str | Path], label: str) -> tuple[list[bytes], str]:
        """The generator's training split, or TFRecord files of baker tf.Examples under `data`."""
        from tfxflow.pipelines.drift import read_tfrecords

        if data is not None:
            return read_tfrecords(data, "baker tf.Examples"), str(data)
        return self.training_examples(label)
