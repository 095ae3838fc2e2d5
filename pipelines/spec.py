"""What a tfxflow pipeline file may contain: one pydantic model per section.

A whole file can be as small as::

    name: baker
    ingest: {kind: baker}

Every other section has defaults. Paths are relative to the directory tfxflow is run from.
Unknown keys, wrong types and out-of-range values are refused (see `pipelines.load`).
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, model_validator

from pipelines.cron import check_cron

# The model architectures each ingest kind offers (`trainer.model`); the model modules under
# components/ build exactly these (tests/test_spec.py checks that they agree).
MODELS: dict[str, tuple[str, ...]] = {"baker": ("mlp", "conv"), "mnist": ("mlp", "cnn")}
DEFAULT_NORMALIZATION = {"baker": "z_score", "mnist": "fixed_range"}


_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def Location(what: str, must_exist: bool = True) -> Any:  # noqa: N802  (used as a type)
    """A URI such as gs://bucket/file (kept as a str, read with tf.io.gfile) or a local Path; a
    local file that `must_exist` is checked here, a URI only where it is read."""

    def check(value: Any) -> str | Path:
        if isinstance(value, Path):
            return value
        if not isinstance(value, str) or not value:
            raise ValueError(f"expected a path or URI of the {what}, got {value!r}")
        if _URI.match(value):
            return value
        if must_exist and not Path(value).is_file():
            raise ValueError(f"expected an existing {what}, {value} is not one")
        return Path(value)

    return Annotated[Union[str, Path], PlainValidator(check)]


def location_text(location: str | Path) -> str:
    """A Location as TFX takes it: the URI itself, or the local path made absolute."""
    return location if isinstance(location, str) else str(location.resolve())


class Section(BaseModel):
    """A part of the pipeline file; unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class RunSettings(Section):
    """Where the run's artifacts and its MLMD SQLite store live, and whether to reuse results."""

    root: Path | None = Field(None, description="default: runs/<name>")
    cache: bool = True


class BakerIngest(Section):
    """Generated sequences: uniform noise (label 0) or baker-map orbits x -> 3x mod 1 (label 1)."""

    kind: Literal["baker"] = "baker"
    examples: int = Field(20000, ge=2, description="training examples")
    eval_examples: int = Field(2000, ge=2, description="evaluation examples")
    length: int = Field(100, ge=2, le=100_000, description="values per sequence")
    seed: int = Field(0, ge=0)


class MnistIngest(Section):
    """MNIST from an .npz with x_train, y_train, x_test, y_test (uint8 N x 28 x 28 images, labels 0-9)."""

    kind: Literal["mnist"] = "mnist"
    path: Location(".npz file") | None = Field(
        None, description="default: keras' cached download (~/.keras/datasets/mnist.npz)"
    )


Ingest = Annotated[Union[BakerIngest, MnistIngest], Field(discriminator="kind")]


class TransformSettings(Section):
    """How Transform (tensorflow-transform) normalizes the inputs."""

    normalize: Literal["z_score", "min_max", "fixed_range"] | None = Field(
        None, description="default: z_score for baker, fixed_range (pixels / 255) for mnist"
    )


class TrainerSettings(Section):
    """The Keras model and how long and how it trains."""

    model: str = "mlp"
    epochs: int = Field(10, ge=1, le=10_000)
    batch_size: int = Field(32, ge=1, le=1_000_000)
    learning_rate: float = Field(1e-3, gt=0, le=10)
    seed: int = Field(0, ge=0, description="weight initialization and shuffling")


class EvaluatorSettings(Section):
    """When the Evaluator (TFMA) blesses a model."""

    min_accuracy: float = Field(0.5, ge=0, le=1)
    max_accuracy_drop: float = Field(
        0.01, ge=0, le=1, description="how much less accurate than the latest blessed model a new one may be"
    )


class PusherSettings(Section):
    """Where blessed models are published, one numbered version directory each."""

    serving_dir: Location("serving directory", must_exist=False) | None = Field(
        None, description="default: <run.root>/serving"
    )
    keep: int | None = Field(None, ge=1, description="versions to retain (newest first); default: all")


class BeamSettings(Section):
    """Beam pipeline arguments for the data-parallel components."""

    args: list[str] = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]


class DriftSettings(Section):
    """Whether each run compares its training statistics with the previous successful run's."""

    baseline: Literal["previous_run", "none"] = Field(
        "previous_run", description="previous_run: the latest earlier successful run; none: no drift check"
    )
    fail_on_drift: bool = Field(False, description="true: stop before training on drift; false: warn")


class ScheduleSettings(Section):
    """A KFP recurring run: when, and how runs of it may overlap."""

    cron: Annotated[str, AfterValidator(check_cron)] = Field(
        description="KFP's 6-field cron, seconds first, e.g. '0 0 3 * * *' (03:00 every day)"
    )
    max_concurrency: int = Field(1, ge=1, le=10, description="runs of this schedule that may run at once")
    no_catchup: bool = Field(True, description="after a pause, start one run now instead of every missed one")


def _cluster_uri(value: str) -> str:
    if not _URI.match(value):
        raise ValueError(f"expected a URI the cluster can write, such as gs://bucket/tfxflow, got {value!r}")
    return value


class KubeflowSettings(Section):
    """Where and how the pipeline runs on Kubeflow Pipelines (`tfxflow compile/submit/schedule`)."""

    image: str | None = Field(None, description="container image built from this project's Dockerfile")
    pipeline_root: Annotated[str, AfterValidator(_cluster_uri)] | None = Field(
        None, description="URI the cluster writes artifacts under, e.g. gs://bucket/tfxflow"
    )
    beam_args: list[str] = Field(
        ["--direct_running_mode=multi_processing", "--direct_num_workers=0"],
        description="Beam pipeline arguments on the cluster (default: every core of the pod)",
    )
    schedule: ScheduleSettings | None = None


class PipelineSpec(Section):
    """A whole pipeline file."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=63)
    ingest: Ingest
    schema_file: Location("schema file") | None = Field(
        None, description="default: the curated schemas/<kind>/schema.pbtxt"
    )
    run: RunSettings = RunSettings()
    transform: TransformSettings = TransformSettings()
    trainer: TrainerSettings = TrainerSettings()
    evaluator: EvaluatorSettings = EvaluatorSettings()
    pusher: PusherSettings = PusherSettings()
    beam: BeamSettings = BeamSettings()
    drift: DriftSettings = DriftSettings()
    kubeflow: KubeflowSettings = KubeflowSettings()

    @model_validator(mode="after")
    def _fill_defaults_and_check(self) -> PipelineSpec:
        kind = self.ingest.kind
        if self.trainer.model not in MODELS[kind]:
            raise ValueError(
                f"trainer.model: {self.trainer.model!r} is not a {kind} model; "
                f"expected one of {', '.join(MODELS[kind])}"
            )
        if self.transform.normalize is None:
            self.transform.normalize = DEFAULT_NORMALIZATION[kind]
        if self.schema_file is None:
            self.schema_file = Path(str(resources.files("schemas") / kind / "schema.pbtxt"))
        if self.run.root is None:
            self.run.root = Path("runs") / self.name
        if self.pusher.serving_dir is None:
            self.pusher.serving_dir = self.run.root / "serving"
        return self
