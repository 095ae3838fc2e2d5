"""What a tfxflow pipeline file may contain: one pydantic model per section.

A whole file can be as small as::

    name: baker
    ingest: {kind: baker}

Every other section has defaults. Paths are relative to the directory tfxflow is run from.
Unknown keys, wrong types, values beyond what the components take and a `schema_file` that is not a
TFDV schema are refused (see `pipelines.load`).
"""
from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Optional, Union

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    ValidationInfo,
    WithJsonSchema,
    create_model,
    model_validator,
)

from tfxflow.components import object_store
from tfxflow.components.label import Label, Task
from tfxflow.components.registry import MODELS, Registry
from tfxflow.components.user_code import UnknownName, check_importable
from tfxflow.pipelines.beam_runners import check_runner
from tfxflow.pipelines.cron import check_cron

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from tensorflow_metadata.proto.v0 import schema_pb2
    from tfx.dsl.components.base.base_component import BaseComponent

    from tfxflow.components.fingerprint_parameter import Parameter
    from tfxflow.pipelines.model_inputs import Examples, Layout

_URI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# Kubeflow Pipelines' rule for pipeline names, which its API server checks on upload
# (backend/src/apiserver/common/utils.go, pipelineNamePattern).
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,127}$"
# trainer.seed goes to tf.keras.utils.set_random_seed, whose np.random.seed takes [0, 2**32). ingest.seed
# seeds numpy's SeedSequence (any size) but travels as an int64 in MLMD and as a float64 in KFP's
# pipeline spec (exact below 2**53); it gets the same range.
MAX_SEED = 2**32 - 1
# A TFDV schema of thousands of features is well under this; protobuf's text parser reads about 1 MB/s.
MAX_SCHEMA_BYTES = 4 * 2**20
# The schemes KFP's launcher stores a run's artifacts in (backend/src/v2/config/env.go,
# GetStoreSessionInfo: minio, s3, gs; 2.5.0:105-148, 2.17.0:118-161).
KFP_ROOT_SCHEMES = ("gs", "s3", "minio")
# The endpoint of a KFP installation's own store (minio://): SeaweedFS from KFP 2.16
# (backend/src/v2/objectstore/config.go@2.17.0:29), MinIO before (config.go@2.5.0:32).
KFP_STORE = "http://seaweedfs.kubeflow:9000"
KFP_STORE_BEFORE_2_16 = "http://minio-service.kubeflow:9000"
# The JSON schema of a location (its validator is Python code, which JSON schema cannot show).
PATH_OR_URI = {"type": "string", "format": "path or URI"}


def Location(what: str, must_exist: bool = True) -> Any:  # noqa: N802  (used as a type)
    """A URI such as gs://bucket/file (kept as a str, read with tf.io.gfile) or a local Path; a
    local file that `must_exist` is checked here, a URI only where it is read."""

    def check(value: Any) -> str | Path:
        if isinstance(value, Path):
            return value
        if not isinstance(value, str) or not value:
            raise ValueError(f"expected a path or URI of the {what}, got {value!r}")
        if _URI.match(value):
            return object_store.check(value)
        if must_exist and not Path(value).is_file():
            raise ValueError(f"expected an existing {what}, {value} is not one")
        return Path(value)

    return Annotated[Union[str, Path], PlainValidator(check), WithJsonSchema(PATH_OR_URI)]


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
    """A Location as TFX reads and writes it: the URI (minio:// as s3://, object_store.io_uri), or the
    local path made absolute."""
    return object_store.io_uri(location) if isinstance(location, str) else str(location.resolve())


class Section(BaseModel):
    """A part of the pipeline file; unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


def _local_root(value: Any) -> Path:
    if isinstance(value, str) and _URI.match(value):
        raise ValueError(f"expected a local directory, got {value!r}: run.root holds the MLMD SQLite store, logs "
                         "and reports, which stay on this machine; put the artifacts in a bucket with "
                         "run.pipeline_root")
    return value


class RunSettings(Section):
    """Where a local run keeps its MLMD SQLite store, logs, reports and artifacts; whether it reuses results."""

    root: Annotated[Path, BeforeValidator(_local_root)] | None = Field(
        None, description="this machine's part of a run: the MLMD SQLite store (metadata.sqlite), logs and "
        "reports, in a local directory; default: runs/<name>"
    )
    pipeline_root: Location("artifact root", must_exist=False) | None = Field(
        None, description="where the components write their artifacts: a directory, or a gs://, s3:// or "
        "minio:// URI that keeps them in a bucket; default: <run.root>/pipeline"
    )
    cache: bool = Field(True, description="reuse the results of components whose inputs and settings are unchanged")


class IngestSettings(Section):
    """Where the data comes from: `kind` names an ingest kind, which says how its data enters the pipeline
    and which other keys the section holds.

    A kind is a subclass of this class registered in INGEST_KINDS (pipelines/ingest/ has the built-ins).
    A user's kind is named by import path:

        class Parquet(IngestSettings):        # ingest: {kind: "my_data.kinds:Parquet", path: data.parquet}
            path: Location(".parquet file")
            MODELS, MODEL_PACKAGE = ("mlp",), "my_data.model"

            def data_uri(self) -> str:
                return location_text(self.path)

            def example_gen(self, data_uri, fingerprint, label):   # label: label.key, the feature to predict
                return ParquetExampleGen(path=data_uri, fingerprint=fingerprint)
    """

    kind: str = Field(description="a registered kind's name, or package.module:Class naming your own "
                      "IngestSettings subclass or ExampleGen component, importable from the working directory")
    # The package whose preprocessing.preprocessing_fn (Transform) and model.run_fn (Trainer) the
    # kind's pipelines run, and the `trainer.model` names its run_fn builds itself (a preset's own
    # architectures); with none, the names are the model functions registered in MODELS.
    MODEL_PACKAGE: ClassVar[str] = "tfxflow.components.feature_model"
    MODELS: ClassVar[tuple[str, ...]] = ()
    NORMALIZATION: ClassVar[str] = "z_score"  # the default of transform.normalize
    SCHEMA: ClassVar[Optional[str]] = None  # the curated schema's folder in tfxflow/schemas, if any
    # The label feature the kind's data always has (a generator's), or None: the kind writes or reads
    # the feature `label.key` names, given to example_gen, training_examples and new_examples.
    LABEL: ClassVar[Optional[str]] = None
    TASKS: ClassVar[tuple[str, ...]] = ("classification", "regression")  # the tasks its code trains

    def data_uri(self) -> str:
        """The data whose content the caches follow (a file or URI), or "" when the settings are the data."""
        return ""

    def check_data(self, data_uri: str) -> None:
        """Refuses bad data at `data_uri` from what is cheap to read, before it is hashed (one-line error)."""

    def example_gen(self, data_uri: str, fingerprint: Parameter, label: str) -> BaseComponent:
        """The ExampleGen writing the `train` and `eval` splits; `fingerprint` is the data's content
        fingerprint, to pass as an execution parameter so that its cache key follows the content;
        `label` is the label feature's name (`label.key`), for kinds that name the features they write."""
        raise NotImplementedError(f"{type(self).__name__}.example_gen")

    def feature_shapes(self) -> dict[str, tuple[int, ...]]:
        """Shapes of features that hold more than a list of values (an image's H x W x C), by name, for
        `tfxflow schema infer` to write into the schema; TFDV sees only how many values they hold."""
        return {}

    def training_examples(self, label: str) -> tuple[Iterable[bytes], str]:
        """Serialized tf.Examples of the training split (its label feature named `label`), for `tfxflow
        schema infer`, and what they are: a list, or an iterator reading them as they are asked for."""
        raise NotImplementedError(f"{type(self).__name__}.training_examples")

    def schema_problem(self, schema: schema_pb2.Schema, spec: PipelineSpec) -> Optional[str]:
        """What makes `schema` unusable for the kind's code with `spec`'s settings (one line), if anything.
        The default, for MODEL_PACKAGE feature_model: every feature has an encoding and the model fits."""
        from tfxflow.components.feature_model.features import SchemaPlanError, model_problem, plan_features

        if spec.transform.preprocessing_fn or self.MODELS:
            return None  # the user's preprocessing_fn, or a preset's own, decides what it takes
        try:
            return model_problem(plan_features(schema, spec.target(schema), spec.transform.normalize),
                                 spec.trainer.model)
        except SchemaPlanError as error:
            return str(error)

    def cluster_problems(self) -> list[str]:
        """`key: problem` for each setting a Kubeflow cluster cannot use (local paths are found for you)."""
        return []

    def new_examples(self, data: Optional[str | Path], label: str) -> tuple[Iterable[bytes], str]:
        """Serialized tf.Examples of new data for `tfxflow drift` (`data`: a local Path, or a URI as a str such
        as s3://bucket/new.csv; None: the kind's own source; `label`: the label feature's name), and what
        they are, in words; DriftInputError when `data` cannot be used. An iterator that reads them as they
        are asked for keeps memory flat: drift measures them a batch at a time."""
        raise NotImplementedError(f"{type(self).__name__}.new_examples")

    @classmethod
    def prediction_examples(cls, path: Path, layout: Layout) -> Iterator[Examples | tuple[list[str], list[bytes]]]:
        """The input `path` of `tfxflow predict` as serialized tf.Examples for a model this kind's pipeline
        trained (`layout`: its raw features, name -> (type, shape)), model_inputs.BATCH at a time, each named
        as `f"{path}[{i}]"`: model_inputs.Examples or (names, records) pairs; BadInput (one line) when it
        cannot be read. The default reads what every model takes: TFRecords of tf.Examples (a file, gzipped
        if .gz, or a directory of them). A kind reading other files overrides it, and check_prediction_input,
        with classmethods:

            @classmethod
            def prediction_examples(cls, path, layout):     # a .txt file: one value of the feature x a line
                if path.suffix != ".txt":
                    return super().prediction_examples(path, layout)
                values = np.loadtxt(path, ndmin=2)
                return [([f"{path}[{i}]" for i in range(len(values))], array_examples(values, None, "x", ""))]
        """
        from tfxflow.pipelines.model_inputs import read_tfrecords

        return read_tfrecords(path)

    @classmethod
    def check_prediction_input(cls, path: Path, layout: Layout) -> None:
        """Raises BadInput (one line) for an input prediction_examples cannot read, found from what is cheap
        to read (headers, an image's size): `tfxflow predict` checks every input before the model loads."""
        from tfxflow.pipelines.model_inputs import check_tfrecords

        check_tfrecords(path)


INGEST_KINDS = Registry("ingest kind", "tfxflow.ingest")


def ingest_kind(name: str) -> type[IngestSettings]:
    """The IngestSettings subclass `name` refers to (a registered name or package.module:Class), or the
    kind of a user's own ExampleGen component class named by `package.module:Component`."""
    kind = INGEST_KINDS.load(name)
    if isinstance(kind, type) and issubclass(kind, IngestSettings):
        return kind
    if is_component_class(kind):
        return component_kind(name, kind)
    raise UnknownName(f"{name!r} is not an ingest kind: expected a subclass of {IngestSettings.__qualname__} or "
                      "an ExampleGen component class")


# `ingest: {kind: package.module:MyExampleGen}`: the user's own ExampleGen, a TFX component class.
#
#     ingest:
#       kind: my_data.gen:ParquetExampleGen    # a BaseComponent subclass with an `examples` output
#       args: {input_base: gs://acme/parquet}  # its constructor's arguments
#
# Its `examples` output (train and eval splits) feeds the pipeline as any ExampleGen's does; the
# schema is the user's (`schema_file`), the features are encoded from it. TFX keys its cache on its
# class and arguments, tfxflow on its code too (an edit re-executes it): a component that reads files
# changing in place should take an argument that changes with them.
class ComponentIngest(IngestSettings):
    """A user's own ExampleGen, `kind: package.module:Component`: a TFX component class with an `examples`
    output (train and eval splits), constructed with `args`; the schema is the user's `schema_file`."""

    kind: str = Field(description="package.module:Component, the ExampleGen component class")
    args: dict[str, Any] = Field({}, description="the component's constructor arguments")

    COMPONENT: ClassVar[type]

    def example_gen(self, data_uri: str, fingerprint: Parameter, label: str) -> BaseComponent:
        from tfxflow.components.code_keyed.component import keyed_by_code
        from tfxflow.components.user_code import UnknownName

        try:
            component = self.COMPONENT(**self.args)
        except (TypeError, ValueError) as error:
            raise UnknownName(f"ingest.args: {self.kind} refused its arguments: {error}") from None
        if "examples" not in component.outputs:
            raise UnknownName(f"ingest.kind: {self.kind} has no `examples` output; expected an ExampleGen (outputs: "
                              f"{', '.join(component.outputs) or 'none'})")
        return keyed_by_code(component)


def is_component_class(value: object) -> bool:
    """Whether `value` is a TFX component class (told by its bases' names: TFX is not imported for it)."""
    return isinstance(value, type) and any(
        base.__name__ == "BaseComponent" and base.__module__.startswith("tfx.") for base in value.__mro__)


@functools.cache
def component_kind(name: str, component: type) -> type[ComponentIngest]:
    """The ingest kind of a user's ExampleGen class, named `name` in pipeline files."""
    return type(f"{component.__name__}Ingest", (ComponentIngest,), {"COMPONENT": component, "__module__": __name__})


def _known_kind(name: str) -> str:
    ingest_kind(name)  # raises the one-line UnknownName, a ValueError pydantic reports at ingest.kind
    return name


class _UnknownIngest(IngestSettings):
    """What `ingest` is validated as when its kind cannot be resolved: the kind's error, and nothing
    about keys that belong to a kind nobody knows."""

    model_config = ConfigDict(extra="allow")
    kind: Annotated[str, AfterValidator(_known_kind)]


ImportPath = Annotated[str, AfterValidator(check_importable)]


class LabelSettings(Section):
    """Which feature the model predicts: a class (INT ids 0..N-1 or BYTES names, as the schema's domain
    fixes) or, for `task: regression`, a number (FLOAT or INT)."""

    key: str = Field(
        "label", min_length=1, description="the feature to predict, one value in every example: for "
        "classification INT class ids 0..N-1 (the schema's int_domain) or BYTES class names (its string_domain, "
        "in order); for regression a FLOAT or INT number. A kind whose data names its label (baker: label, "
        "sine: y) sets it and refuses another"
    )


class Bound(Section):
    """Absolute bounds a metric's value must lie within for the model to be blessed."""

    lower: Float | None = Field(None, description="the least value blessed")
    upper: Float | None = Field(None, description="the greatest value blessed")

    @model_validator(mode="after")
    def _some_bound(self) -> Bound:
        if self.lower is None and self.upper is None:
            raise ValueError("expected lower, upper or both")
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise ValueError(f"lower {self.lower} is above upper {self.upper}; expected lower <= upper")
        return self


class ChangeBound(Section):
    """How far a metric may move against the served model's value, on the same eval split."""

    max_increase: Float | None = Field(None, ge=0, description="the most it may rise (for errors: get worse)")
    max_decrease: Float | None = Field(None, ge=0, description="the most it may fall (for accuracy, auc: get worse)")
    relative: bool = Field(False, description="true: the bounds are shares of the served model's value (0.01: 1%)")

    @model_validator(mode="after")
    def _some_bound(self) -> ChangeBound:
        if self.max_increase is None and self.max_decrease is None:
            raise ValueError("expected max_increase, max_decrease or both")
        return self


class TransformSettings(Section):
    """How Transform (tensorflow-transform) encodes the inputs."""

    normalize: Literal["z_score", "min_max", "fixed_range"] | None = Field(
        None, description="how numeric features are scaled: z_score or min_max (both analyzed by TFT over the "
        "training split) or fixed_range (the schema's range: pixels / 255); a regression's label is never scaled, "
        "the model predicts it in its own units; default: the ingest kind's"
    )
    preprocessing_fn: ImportPath | None = Field(
        None, description="package.module:function(inputs, custom_config) replacing the kind's preprocessing_fn; "
        "custom_config holds normalize, label ({key, task, classes, string}, components/label.py) and "
        "schema_path; default: the kind's"
    )


class TrainerSettings(Section):
    """The Keras model and how long and how it trains."""

    model: str = Field("mlp", description="one of the ingest kind's models, or package.module:function"
                       "(feature_shapes, outputs) -> tf.keras.Model importable from the working directory")
    epochs: Int = Field(10, ge=1, le=10_000, description="passes over the training split")
    # A batch larger than the training split is one short batch per epoch (tf.data keeps the remainder).
    batch_size: Int = Field(32, ge=1, le=1_000_000, description="examples per training step")
    learning_rate: Float = Field(1e-3, gt=0, le=10, description="Adam's learning rate")
    seed: Int = Field(0, ge=0, le=MAX_SEED, description="weight initialization and shuffling (numpy's range); "
                      "training is deterministic for a seed")
    memory_mb: Int = Field(
        512, ge=0, le=1_000_000, description="a split that takes more as held (its raw features, integers in the "
        "narrowest type their values fit; its transformed features if some are sparse) is streamed from its "
        "TFRecords every epoch instead of held in memory (slower; memory then does not grow with the data)"
    )
    run_fn: ImportPath | None = Field(
        None, description="package.module:function(fn_args) replacing the kind's run_fn: full control of "
        "training (TFX FnArgs); default: the kind's"
    )


class EvaluatorSettings(Section):
    """When the Evaluator (TFMA) blesses a model: every bound in `thresholds` and, once a model is served,
    every bound in `change`, on metrics the task computes (served_model_evaluator/metric_names.py).
    Defaults: classification {accuracy: {lower: 0.5}} and {accuracy: {max_decrease: 0.01}}; regression no
    value bound (declare one) and {mean_squared_error: {max_increase: 0.01, relative: true}}, at most 1%
    worse than the served model."""

    thresholds: dict[str, Bound] | None = Field(
        None, description="metric name -> absolute bounds, e.g. {mean_squared_error: {upper: 0.01}}: bless only "
        "if each metric lies within its bounds; given, it replaces the default; default: classification "
        "{accuracy: {lower: 0.5}}, regression none", json_schema_extra={"propertyNames": {"title": "metric"}})
    change: dict[str, ChangeBound] | None = Field(
        None, description="metric name -> how far it may move against the served model, e.g. "
        "{accuracy: {max_decrease: 0.01}}: once a model is served, bless only if each metric moves at most this "
        "far from the served model's, on the same eval split; given, it replaces the default; default: "
        "classification {accuracy: {max_decrease: 0.01}}, regression {mean_squared_error: {max_increase: 0.01, "
        "relative: true}}", json_schema_extra={"propertyNames": {"title": "metric"}})
    min_accuracy: Float | None = Field(
        None, ge=0, le=1, description="classification shorthand for thresholds: {accuracy: {lower: ...}}, added "
        "to the other bounds (refused if thresholds has accuracy too)")
    max_accuracy_drop: Float | None = Field(
        None, ge=0, le=1, description="classification shorthand for change: {accuracy: {max_decrease: ...}}, "
        "added to the other bounds (refused if change has accuracy too)")

    def fill(self, label: Label) -> None:
        """The shorthands and the task's defaults written into `thresholds` and `change`; ValueError (one
        line, naming the key) for a metric the task does not compute, or a shorthand that contradicts them."""
        from tfxflow.components.served_model_evaluator.metric_names import default_bounds, metric_names

        default_thresholds, default_change = default_bounds(label)
        thresholds = dict(self.thresholds) if self.thresholds is not None else {
            name: Bound(**bound) for name, bound in default_thresholds.items()}
        change = dict(self.change) if self.change is not None else {
            name: ChangeBound(**bound) for name, bound in default_change.items()}
        for shorthand, key, bounds in (("min_accuracy", "thresholds", thresholds),
                                       ("max_accuracy_drop", "change", change)):
            value = getattr(self, shorthand)
            if value is None:
                continue
            if label.task != "classification":
                raise ValueError(f"evaluator.{shorthand}: a classification setting, and the task is {label.task}; "
                                 f"expected evaluator.{key}")
            if "accuracy" in (getattr(self, key) or {}):
                raise ValueError(f"evaluator.{shorthand} and evaluator.{key}.accuracy both given; expected one")
            bounds["accuracy"] = Bound(lower=value) if key == "thresholds" else ChangeBound(max_decrease=value)
        self.thresholds, self.change = thresholds, change
        self.min_accuracy = self.max_accuracy_drop = None  # now in thresholds and change
        known = metric_names(label)
        for key, metrics in (("thresholds", self.thresholds), ("change", self.change)):
            for name in metrics:
                if name not in known:
                    raise ValueError(f"evaluator.{key}.{name}: not a metric {label.described} computes; "
                                     f"expected one of {', '.join(known)}")
        for name, bound in self.change.items():
            higher = known[name].higher_is_better
            never, worse = ("max_increase", "max_decrease") if higher else ("max_decrease", "max_increase")
            if getattr(bound, never) is not None:
                better = "higher" if higher else "lower"
                raise ValueError(f"evaluator.change.{name}.{never}: {name} is better {better}, so that change is "
                                 f"never refused; expected {worse}")


class PusherSettings(Section):
    """Where blessed models are published, one numbered version directory each."""

    serving_dir: Location("serving directory", must_exist=False) | None = Field(
        None, description="blessed models go to <serving_dir>/<version>/; default: <run.root>/serving"
    )
    # No upper bound: the Pusher slices its list of versions with it.
    keep: Int | None = Field(None, ge=1, description="versions to retain, newest first (the served, newest one is "
                             "never removed); default: all")


class BeamSettings(Section):
    """Beam pipeline arguments for the data-parallel components."""

    # No arguments: Beam's defaults, the in-memory DirectRunner with one worker. Any argument makes
    # TFX build an sdist of itself for remote workers before each Beam component (0.9 s each here,
    # tfx/utils/dependency_utils.py), which a DirectRunner never installs.
    args: Annotated[list[str], AfterValidator(check_runner)] = Field(
        [], description="Beam pipeline arguments of local runs, e.g. --direct_num_workers=4 (runners: "
        "docs/beam-runners.md); none: Beam's in-memory DirectRunner with one worker")


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
    if object_store.scheme(value) not in KFP_ROOT_SCHEMES:
        raise ValueError(
            f"expected a gs://, s3:// or minio:// URI, such as minio://mlpipeline/v2/artifacts, got {value!r}: KFP's "
            "launcher stores a run's artifacts only there"
        )
    return value


class ObjectStoreSettings(Section):
    """How Kubeflow tasks reach the S3-compatible store of s3:// and minio:// locations (data, schema,
    serving directory): the AWS SDK's variables in every task, the credentials from a Kubernetes secret."""

    endpoint: str | None = Field(
        None, description="AWS_ENDPOINT_URL_S3 of every task; default: for minio:// locations KFP's own store, "
        f"{KFP_STORE} (KFP 2.16 and later; {KFP_STORE_BEFORE_2_16} before), for s3:// AWS's own endpoint"
    )
    region: str | None = Field(None, description="AWS_REGION of every task; default: unset (us-east-1)")
    secret: str | None = Field(
        "mlpipeline-minio-artifact", description="the Kubernetes secret holding the credentials (the one KFP's "
        "manifests create); null: none, the pods have their own (e.g. an IAM role for the service account)"
    )
    access_key: str = Field("accesskey", description="the secret's key holding AWS_ACCESS_KEY_ID")
    secret_key: str = Field("secretkey", description="the secret's key holding AWS_SECRET_ACCESS_KEY")


class KubeflowSettings(Section):
    """Where and how the pipeline runs on Kubeflow Pipelines (`tfxflow compile`, `submit` and `schedule`)."""

    image: str | None = Field(None, description="container image built from this project's Dockerfile; "
                              "required to compile")
    pipeline_root: Annotated[str, AfterValidator(_pipeline_root)] | None = Field(
        None, description="the gs://, s3:// or minio:// URI the cluster writes artifacts under, e.g. "
        "minio://mlpipeline/v2/artifacts (a default Kubeflow install) or gs://bucket/tfxflow; required to "
        "compile; also the compiled spec's defaultPipelineRoot"
    )
    object_store: ObjectStoreSettings = Field(
        ObjectStoreSettings(), description="how tasks reach the S3-compatible store of s3:// and minio:// locations"
    )
    beam_args: Annotated[list[str], AfterValidator(check_runner)] = Field(
        ["--direct_running_mode=multi_processing", "--direct_num_workers=0"],
        description="Beam pipeline arguments of the Beam components on the cluster (runners: docs/beam-runners.md; "
        "default: every core of the task's pod)",
    )
    service_account: str | None = Field(
        None, description="Kubernetes service account of the run's pods, e.g. one with access to the buckets; "
        "default: KFP's (pipeline-runner; default-editor on multi-user Kubeflow)"
    )
    schedule: ScheduleSettings | None = Field(
        None, description="the recurring run `tfxflow schedule` creates; default: none (`tfxflow schedule` "
        "refuses to run without it)"
    )


def _reference(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z]\w*\.\w+", value):
        raise ValueError(f"expected <component id>.<output key>, such as BakerExampleGen.examples, got {value!r}")
    return value


class ComponentDeclaration(Section):
    """A user's own TFX component, wired into the DAG after the built-in ones (`components:` list).

        components:
          - id: RowCount
            class: my_components.counting:RowCount     # a TFX component class, importable from the working dir
            inputs: {examples: BakerExampleGen.examples} # constructor argument: <component id>.<output key>
            args: {minimum: 100}                         # the other constructor arguments
    """

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$", description="the component's id in the pipeline")
    class_: Annotated[str, AfterValidator(check_importable)] = Field(
        alias="class", description="package.module:Component, a TFX component class"
    )
    inputs: dict[str, Annotated[str, AfterValidator(_reference)]] = Field(
        {}, description="constructor argument -> <component id>.<output key> of a component declared before it"
    )
    args: dict[str, Any] = Field({}, description="the other constructor arguments")


def _pipeline_name(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(NAME_PATTERN, value):
        raise ValueError(
            f"{value!r} is not a valid pipeline name; expected lowercase letters, digits and '-', starting with "
            f"a letter or digit, at most 128 characters (Kubeflow Pipelines' rule {NAME_PATTERN})"
        )
    return value


PipelineName = Annotated[str, PlainValidator(_pipeline_name),
                         WithJsonSchema({"type": "string", "pattern": NAME_PATTERN})]


class PipelineSpec(Section):
    """A whole pipeline file, validated with `validate_spec` (which knows the ingest kind's keys)."""

    name: PipelineName = Field(
        description="lowercase letters, digits and -, starting with a letter or digit, at most 128 characters "
        "(Kubeflow Pipelines' rule); names the MLMD pipeline context and the default run.root")
    ingest: IngestSettings = Field(description="where the data comes from: the ingest kind and its keys")
    schema_file: Annotated[Location("schema file"), AfterValidator(check_schema)] | None = Field(
        None, description="the curated TFDV schema (protobuf text) the data must match, read when the file is "
        "loaded (a local file over 4 MiB or without features is refused); it fixes the label's type and classes "
        "and, for the default Transform, every feature's encoding; default: the ingest kind's curated "
        "schemas/<kind>/schema.pbtxt, if it has one (`tfxflow schema infer` writes a starting one)"
    )
    task: Optional[Task] = Field(
        None, description="what the model predicts, a class or a number (task: regression makes an INT label a "
        "number); an ingest kind may train one task only; default: from the label's type in the schema (FLOAT: "
        "regression, INT or BYTES: classification)")
    label: LabelSettings = Field(LabelSettings(), description="which feature the model predicts")
    run: RunSettings = Field(RunSettings(), description="where a local run keeps its records and artifacts")
    transform: TransformSettings = Field(TransformSettings(), description="how Transform encodes the features")
    trainer: TrainerSettings = Field(TrainerSettings(), description="the Keras model and its training")
    evaluator: EvaluatorSettings = Field(EvaluatorSettings(), description="when a trained model is blessed")
    pusher: PusherSettings = Field(PusherSettings(), description="where blessed models are published")
    beam: BeamSettings = Field(BeamSettings(), description="Beam pipeline arguments of local runs")
    drift: DriftSettings = Field(DriftSettings(), description="the drift check of each run's training data")
    kubeflow: KubeflowSettings = Field(KubeflowSettings(), description="how the pipeline runs on Kubeflow Pipelines")
    components: list[ComponentDeclaration] = Field(
        [], description="your own TFX components, wired in after the pipeline's own")
    _target: Optional[Label] = PrivateAttr(None)
    _schema: Optional[schema_pb2.Schema] = PrivateAttr(None)

    @model_validator(mode="after")
    def _fill_defaults_and_check(self, info: ValidationInfo) -> PipelineSpec:
        kind = type(self.ingest)
        model = self.trainer.model
        if ":" in model:
            try:
                check_importable(model)
            except UnknownName as error:
                raise ValueError(f"trainer.model: {error}") from None
        elif model not in (kind.MODELS or MODELS.names()):
            raise ValueError(
                f"trainer.model: {model!r} is not a {self.ingest.kind} model; expected one of "
                f"{', '.join(kind.MODELS or MODELS.names())}, or package.module:function(feature_shapes, outputs) "
                "-> tf.keras.Model"
            )
        ids = [component.id for component in self.components]
        repeated = sorted({id_ for id_ in ids if ids.count(id_) > 1})
        if repeated:
            raise ValueError(f"components: id {', '.join(repeated)} given more than once; expected unique ids")
        if self.transform.normalize is None:
            self.transform.normalize = kind.NORMALIZATION
        if self.schema_file is None and kind.SCHEMA is not None:
            self.schema_file = Path(str(resources.files("tfxflow.schemas") / kind.SCHEMA / "schema.pbtxt"))
        if self.schema_file is None and (info.context or {}).get("schema_required", True):
            raise ValueError(
                f"schema_file: required: ingest kind {self.ingest.kind!r} has no curated schema; write one with "
                "`tfxflow schema infer PIPELINE_FILE --output schema.pbtxt`, curate it, and set schema_file"
            )
        if kind.LABEL is not None and "key" not in self.label.model_fields_set:
            self.label.key = kind.LABEL
        if kind.LABEL is not None and self.label.key != kind.LABEL:
            raise ValueError(f"label.key: {self.label.key!r}; the {self.ingest.kind} kind's data names its label "
                             f"{kind.LABEL!r}: expected label.key: {kind.LABEL} (or leave it out)")
        if isinstance(self.schema_file, Path):  # a URI is read where it is used
            self._check_schema_fits()
        if self.run.root is None:
            self.run.root = Path("runs") / self.name
        if self.run.pipeline_root is None:
            self.run.pipeline_root = self.run.root / "pipeline"
        if self.pusher.serving_dir is None:
            self.pusher.serving_dir = self.run.root / "serving"
        return self


    def locations(self) -> dict[str, str | Path]:
        """Every location a local run reads or writes, by its key: a URI (str) or a local Path.

            object_store.prepare(*spec.locations().values())   # S3 readable where the spec needs it
        """
        found = {"run.pipeline_root": self.run.pipeline_root, "schema_file": self.schema_file,
                 "pusher.serving_dir": self.pusher.serving_dir,
                 **{f"ingest.{key}": value for key, value in self.ingest if isinstance(value, (str, Path))
                    and (isinstance(value, Path) or _URI.match(value))}}
        return {key: value for key, value in found.items() if value is not None}

    def target(self, schema: Optional[schema_pb2.Schema] = None) -> Label:
        """What the pipeline predicts: `label.key`, the task (`task`, or the label's type in the schema) and
        the classes (the schema's domain), read from `schema` or else the spec's schema file; SchemaPlanError
        (one line) when the schema does not fix them.

            spec.target()   # Label(key="label", task="classification", classes=("0", "1"))
        """
        from tfxflow.components.feature_model.features import label_of

        if schema is None:
            if self._target is not None:
                return self._target
            schema = self.schema()
        self._target = label_of(schema, self.label.key, self.task)
        return self._target

    def schema(self) -> schema_pb2.Schema:
        """The curated schema `schema_file` names, read once: a copy for the cluster (kubeflow.py), whose
        schema_file is a path in the image, keeps the one read here.

            len(spec.schema().feature)   # 2 for the baker pipeline
        """
        from tfxflow.components.schema_text import read_schema

        if self._schema is None:
            self._schema = read_schema(location_text(self.schema_file))
        return self._schema

    def _check_schema_fits(self) -> None:
        """The label's classes or values are fixed by the schema, the thresholds are the task's metrics, and
        the kind's code can encode the features."""
        from tfxflow.components.feature_model.features import SchemaPlanError
        from tfxflow.components.schema_text import read_schema

        schema = self._schema = read_schema(str(self.schema_file))
        try:
            label = self.target(schema)
        except SchemaPlanError as error:
            message = str(error)
            raise ValueError(message if message.startswith(("label.key:", "task:")) else
                             f"schema_file: {self.schema_file}: {message}") from None
        if label.task not in self.ingest.TASKS:
            raise ValueError(f"task: {label.task}; the {self.ingest.kind} kind's models are for "
                             f"{' and '.join(self.ingest.TASKS)}: expected task: {self.ingest.TASKS[0]}")
        self.task = label.task
        self.evaluator.fill(label)
        problem = self.ingest.schema_problem(schema, self)
        if problem:
            raise ValueError(problem if problem.startswith("trainer.model:") else
                             f"schema_file: {self.schema_file}: {problem}")


@functools.cache
def _spec_class(kind: type[IngestSettings]) -> type[PipelineSpec]:
    return create_model(PipelineSpec.__name__, __base__=PipelineSpec, __doc__=PipelineSpec.__doc__,
                        ingest=(kind, ...))


def validate_spec(data: dict[str, Any], schema_required: bool = True) -> PipelineSpec:
    """`data` (a pipeline file's mapping) as a PipelineSpec whose `ingest` is its kind's settings class;
    pydantic's ValidationError lists every problem, an unknown kind among them. Without
    `schema_required`, a kind with no curated schema leaves `schema_file` None (for `schema infer`).

        spec = validate_spec({"name": "baker", "ingest": {"kind": "baker", "seed": 1}})
    """
    ingest = data.get("ingest")
    name = ingest.get("kind") if isinstance(ingest, dict) else None
    try:
        kind = ingest_kind(name) if isinstance(name, str) else _UnknownIngest
    except UnknownName:
        kind = _UnknownIngest  # reports the kind's error at ingest.kind, beside every other problem
    return _spec_class(kind).model_validate(data, context={"schema_required": schema_required})
