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


_URI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# The schemes tf.io.gfile reads and writes in tfxflow's environment and image (TFX and its components
# write every artifact with it): tf.io.gfile.get_registered_schemes() is gs, file and ram there.
# S3, MinIO, HDFS and Azure need TensorFlow I/O plug-ins TFX 1.16's image does not have.
SCHEMES = ("gs", "file")
# Kubeflow Pipelines' rule for pipeline names, which its API server checks on upload
# (backend/src/apiserver/common/utils.go, pipelineNamePattern).
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,127}$"


def check_scheme(value: str) -> str:
    """`value` if it is a URI of a scheme tf.io.gfile supports here; else one line saying what to use."""
    scheme = _URI.match(value).group(1)
    if scheme.lower() not in SCHEMES:
        raise ValueError(
            f"{scheme}:// is not supported: tfxflow and TFX read and write every file with tf.io.gfile, which "
            f"here supports gs:// and local paths (file://); {value!r} needs a TensorFlow I/O plug-in that TFX "
            "1.16's image lacks. Use gs://, or a local path or file:// on a volume every pod mounts"
        )
    return value


def Location(what: str, must_exist: bool = True) -> Any:  # noqa: N802  (used as a type)
    """A URI such as gs://bucket/file (kept as a str, read with tf.io.gfile) or a local Path; a
    local file that `must_exist` is checked here, a URI only where it is read."""

    def check(value: Any) -> str | Path:
        if isinstance(value, Path):
            return value
        if not isinstance(value, str) or not value:
            raise ValueError(f"expected a path or URI of the {what}, got {value!r}")
        if _URI.match(value):
            return check_scheme(value)
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
        0.01, ge=0, le=1, description="how much less accurate than the served model a new one may be"
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
    """Whether each run compares its training data with the served model's."""

    baseline: Literal["served_model", "none"] = Field(
        "served_model",
        description="served_model: the training statistics of the newest served model trained on other data; "
        "none: no drift check",
    )
    fail_on_drift: bool = Field(False, description="true: stop before training on drift; false: warn")


class ScheduleSettings(Section):
    """A KFP recurring run: when, and how runs of it may overlap."""

    cron: Annotated[str, AfterValidator(check_cron)] = Field(
        description="KFP's 6-field cron, seconds first, e.g. '0 0 3 * * *' (03:00 every day)"
    )
    max_concurrency: int = Field(1, ge=1, le=10, description="runs of this schedule that may run at once")
    no_catchup: bool = Field(True, description="after a pause, start one run now instead of every missed one")


def _pipeline_root(value: str) -> str:
    # KFP's launcher stores artifacts only under gs://, s3://, minio:// or mem:// roots
    # (backend/src/v2/objectstore/config.go), and TFX writes them with tf.io.gfile (gs:// here).
    if not value.startswith("gs://"):
        raise ValueError(
            f"expected a gs:// URI, such as gs://bucket/tfxflow, got {value!r}: KFP stores artifacts in "
            "gs://, s3:// or minio://, and TFX writes them with tf.io.gfile, which supports gs:// here"
        )
    return value


class KubeflowSettings(Section):
    """Where and how the pipeline runs on Kubeflow Pipelines (`tfxflow compile/submit/schedule`)."""

    image: str | None = Field(None, description="container image built from this project's Dockerfile")
    pipeline_root: Annotated[str, AfterValidator(_pipeline_root)] | None = Field(
        None, description="gs:// URI the cluster writes artifacts under, e.g. gs://bucket/tfxflow"
    )
    beam_args: list[str] = Field(
        ["--direct_running_mode=multi_processing", "--direct_num_workers=0"],
        description="Beam pipeline arguments on the cluster (default: every core of the pod)",
    )
    service_account: str | None = Field(
        None, description="Kubernetes service account of the run's pods (default: KFP's, pipeline-runner; "
        "default-editor on multi-user Kubeflow)"
    )
    schedule: ScheduleSettings | None = None


def _pipeline_name(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(NAME_PATTERN, value):
        raise ValueError(
            f"{value!r} is not a valid pipeline name; expected lowercase letters, digits and '-', starting with "
            f"a letter or digit, at most 128 characters (Kubeflow Pipelines' rule {NAME_PATTERN})"
        )
    return value


class PipelineSpec(Section):
    """A whole pipeline file."""

    name: Annotated[str, PlainValidator(_pipeline_name)]
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
