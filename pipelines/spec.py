"""What a tfxflow pipeline file may contain: one pydantic model per section.

A whole file can be as small as::

    name: baker
    ingest: {kind: baker}

Every other section has defaults. Paths are relative to the directory tfxflow is run from.
Unknown keys, wrong types, values beyond what the components take and a `schema_file` that is not a
TFDV schema are refused (see `pipelines.load`).
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator, AllowInfNan, BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, model_validator,
)

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
# trainer.seed goes to tf.keras.utils.set_random_seed, whose np.random.seed takes [0, 2**32). ingest.seed
# seeds numpy's SeedSequence (any size) but travels as an int64 in MLMD and as a float64 in KFP's
# pipeline spec (exact below 2**53); it gets the same range.
MAX_SEED = 2**32 - 1
# The Trainer holds both splits in memory as float32 tensors (components/keras_training.py), so
# (examples + eval_examples) x length values must fit in RAM; 10**10 is 40 GB. BakerExampleGen itself
# generates and writes 1000-example shards one at a time.
MAX_EXAMPLES = 10**8
MAX_VALUES = 10**10
# A TFDV schema of thousands of features is well under this; protobuf's text parser reads about 1 MB/s.
MAX_SCHEMA_BYTES = 4 * 2**20


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


def _number(value: Any) -> Any:
    # YAML reads yes, no, on and off as booleans, which pydantic would take as 1 and 0.
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    return value


Int = Annotated[int, BeforeValidator(_number)]
Float = Annotated[float, AllowInfNan(False), BeforeValidator(_number)]


def check_schema(location: str | Path) -> str | Path:
    """`location` if it is a URI (read where it is used) or a local TFDV schema in protobuf text format
    with at least one feature; else one line naming the file and what was expected.

        check_schema(Path("schemas/baker/schema.pbtxt"))   # returns the path: the curated schema parses
    """
    if isinstance(location, str):
        return location
    # Imported here, not at the top: 90 ms that `tfxflow validate` of a file without schema_file skips.
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2

    expected = "expected a Schema in protobuf text format such as schemas/baker/schema.pbtxt"
    try:
        with location.open("rb") as file:
            data = file.read(MAX_SCHEMA_BYTES + 1)
    except OSError as error:
        raise ValueError(f"{location}: cannot read the schema file ({error.strerror})") from None
    if len(data) > MAX_SCHEMA_BYTES:
        raise ValueError(f"{location}: over {MAX_SCHEMA_BYTES:,} bytes; {expected}")
    try:
        schema = text_format.Parse(data.decode("utf-8"), schema_pb2.Schema())
    except UnicodeDecodeError:
        raise ValueError(f"{location}: not a TFDV schema (not UTF-8 text); {expected}") from None
    except text_format.ParseError as error:
        reason = re.sub(r"^(\d+):(\d+) : ", r"line \1:\2: ", str(error))[:200].rstrip(".")
        raise ValueError(f"{location}: not a TFDV schema (text format): {reason}; {expected}") from None
    if not schema.feature:
        raise ValueError(f"{location}: a TFDV schema with no features; {expected}")
    return location


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
    examples: Int = Field(20000, ge=2, le=MAX_EXAMPLES, description="training examples")
    eval_examples: Int = Field(2000, ge=2, le=MAX_EXAMPLES, description="evaluation examples")
    # A shard of 1000 sequences is generated in memory as float64: 800 MB at the longest.
    length: Int = Field(100, ge=2, le=100_000, description="values per sequence")
    seed: Int = Field(0, ge=0, le=MAX_SEED)

    @model_validator(mode="after")
    def _fits_in_memory(self) -> BakerIngest:
        values = (self.examples + self.eval_examples) * self.length
        if values > MAX_VALUES:
            raise ValueError(
                f"(examples + eval_examples) x length is {values:,} values; expected at most {MAX_VALUES:,} "
                f"(the Trainer holds both splits in memory, 4 bytes a value)"
            )
        return self


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
    epochs: Int = Field(10, ge=1, le=10_000)
    # A batch larger than the training split is one short batch per epoch (tf.data keeps the remainder).
    batch_size: Int = Field(32, ge=1, le=1_000_000)
    learning_rate: Float = Field(1e-3, gt=0, le=10)
    seed: Int = Field(0, ge=0, le=MAX_SEED, description="weight initialization and shuffling")


class EvaluatorSettings(Section):
    """When the Evaluator (TFMA) blesses a model."""

    min_accuracy: Float = Field(0.5, ge=0, le=1)
    max_accuracy_drop: Float = Field(
        0.01, ge=0, le=1, description="how much less accurate than the served model a new one may be"
    )


class PusherSettings(Section):
    """Where blessed models are published, one numbered version directory each."""

    serving_dir: Location("serving directory", must_exist=False) | None = Field(
        None, description="default: <run.root>/serving"
    )
    # No upper bound: the Pusher slices its list of versions with it.
    keep: Int | None = Field(None, ge=1, description="versions to retain (newest first); default: all")


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
    # KFP's API server refuses other values (backend/src/apiserver/server/job_server.go: "Support 1-10").
    max_concurrency: Int = Field(1, ge=1, le=10, description="runs of this schedule that may run at once")
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
    schema_file: Annotated[Location("schema file"), AfterValidator(check_schema)] | None = Field(
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
