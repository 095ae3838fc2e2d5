"""What the default Transform and the built-in models make of each feature, read from the schema.

    schema = read_schema("schemas/churn/schema.pbtxt")
    plan = plan_features(schema, label_of(schema, "plan"), normalize="z_score")
    plan.features["age"].kind, plan.features["age"].shape      # "numeric", (1,)
    plan.numbers                                                # ("age", "income", "tenure"): the input "numbers"
    plan.label.classes                                          # ("basic", "pro"): class id -> name

One rule per feature, from its type and shape in the curated schema:
- numeric (INT or FLOAT, one value or a fixed-length vector): `transform.normalize`; a feature that
  may be missing from an example (no fixed shape, at most one value) is imputed with its mean; the
  single-value ones reach the model as the columns of one input, NUMBERS (`plan.numbers` names them);
- categorical (BYTES, or an INT domain marked `is_categorical`): vocabulary ids computed by TFT over
  the training split, one-hot encoded, with one id for values it never saw;
- image (a shape of 2 or 3 dims, H x W or H x W x C): scaled from the schema's domain to [0, 1].
The label of a classification is an INT feature whose domain is 0..N-1, or a BYTES feature with a
string domain (its values in order are the class names); of a regression, a FLOAT or INT feature.
Plain Python on the schema proto: no TensorFlow.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

from tensorflow_metadata.proto.v0 import schema_pb2

from tfxflow.components.errors import BadInput
from tfxflow.components.label import Label, Task

# Categorical values kept per feature when the schema gives no domain; the rest share one id.
VOCABULARY_SIZE = 100
# The model input holding every single-value numeric feature, one column each (FeaturePlan.numbers).
NUMBERS = "numbers"
IMAGE_RANKS = (2, 3)
# What the built-in models of model.py need among the features, in words.
MODEL_NEEDS = {"cnn": ("image", "an image feature (shape H x W or H x W x C)"),
               "conv": ("vector", "a vector feature (shape [n], n > 1)")}

Kind = Literal["numeric", "categorical", "image"]


class SchemaPlanError(BadInput):
    """A schema the default Transform or the label cannot use; the message is one line."""


@dataclass(frozen=True)
class Feature:
    """One input feature: how Transform encodes it and the shape the model receives."""

    name: str
    kind: Kind
    shape: tuple[int, ...]  # after Transform, without the batch dimension
    optional: bool = False  # may be missing from an example (imputed)
    value_range: Optional[tuple[float, float]] = None  # the schema's domain
    vocabulary_size: int = 0  # categorical: values kept; one more id for all others


@dataclass(frozen=True)
class FeaturePlan:
    """Every feature but the label, and the label (its task and classes)."""

    label: Label
    features: dict[str, Feature]

    @property
    def numbers(self) -> tuple[str, ...]:
        """The single-value numeric features, in the schema's order: the columns of the model input NUMBERS."""
        return tuple(name for name, feature in self.features.items()
                     if feature.kind == "numeric" and feature.shape == (1,))


def label_of(schema: schema_pb2.Schema, key: str, task: Optional[Task] = None) -> Label:
    """The label `key` of `schema`: its task (`task`, or from its type: FLOAT is regression, INT and BYTES
    classification) and, for classification, its class names by id; SchemaPlanError if the schema does
    not fix them.

        label_of(baker_schema, "label")   # Label("label", "classification", ("0", "1"))
    """
    features = {feature.name: feature for feature in schema.feature}
    if key not in features:
        raise SchemaPlanError(f"label.key: {key!r} is not a feature of the schema; expected one of "
                              f"{', '.join(features) or 'its features'}")
    feature = features[key]
    if [dim.size for dim in feature.shape.dim] not in ([], [1]) or not feature.HasField("shape"):
        raise SchemaPlanError(f"label {key!r}: expected one value in every example (shape {{ dim {{ size: 1 }} }} "
                              "in the schema); a label cannot be missing")
    type_name = schema_pb2.FeatureType.Name(feature.type)
    task = task or ("regression" if feature.type == schema_pb2.FLOAT else "classification")
    if task == "regression":
        if feature.type not in (schema_pb2.INT, schema_pb2.FLOAT):
            raise SchemaPlanError(f"label {key!r}: a {type_name} feature, and task is regression; expected a FLOAT "
                                  "or INT label (or task: classification)")
        return Label(key, "regression")
    if feature.type == schema_pb2.INT:
        domain = feature.int_domain
        if not (feature.HasField("int_domain") and domain.HasField("min") and domain.HasField("max")) or (
                domain.min != 0 or domain.max < 1):
            raise SchemaPlanError(
                f"label {key!r}: expected int_domain {{ min: 0 max: N-1 }} naming the N classes in the schema "
                "(class ids 0..N-1), or task: regression")
        return Label(key, "classification", tuple(str(value) for value in range(domain.max + 1)))
    if feature.type == schema_pb2.BYTES:
        values = tuple(_string_domain(schema, feature))
        if len(values) < 2:
            raise SchemaPlanError(f"label {key!r}: expected a string_domain of at least 2 class names in the "
                                  "schema (`tfxflow schema infer` writes one of up to --max-classes, 1000 by "
                                  "default, classes)")
        return Label(key, "classification", values, string=True)
    raise SchemaPlanError(f"label {key!r}: a {type_name} feature, and task is classification; expected INT class "
                          "ids or BYTES class names (or task: regression)")


def plan_features(schema: schema_pb2.Schema, label: Label, normalize: str) -> FeaturePlan:
    """The plan for every feature of `schema` but the label; SchemaPlanError (one line) for a feature
    the default Transform cannot encode (then write a `transform.preprocessing_fn`)."""
    features = {}
    for feature in schema.feature:
        if feature.name == label.key:
            continue
        features[feature.name] = _plan(schema, feature, normalize)
    if not features:
        raise SchemaPlanError(f"the schema has no feature besides the label {label.key!r}; expected at least one "
                              "input")
    plan = FeaturePlan(label, features)
    if plan.numbers and NUMBERS in features and NUMBERS not in plan.numbers:
        raise SchemaPlanError(f"feature {NUMBERS!r}: a {features[NUMBERS].kind} feature, and the default Transform "
                              f"gives that name to the single-value numeric features ({', '.join(plan.numbers[:3])}"
                              f"{', ...' if len(plan.numbers) > 3 else ''}); expected another name")
    return plan


def model_problem(plan: FeaturePlan, model: str) -> Optional[str]:
    """Why the built-in `model` cannot learn from the plan's features (one line), if it cannot.

        model_problem(plan, "cnn")   # "trainer.model: cnn needs an image feature ...; the schema has none"
    """
    needs = MODEL_NEEDS.get(model)
    kinds = {"vector" if f.kind == "numeric" and f.shape[0] > 1 else f.kind for f in plan.features.values()}
    if needs and needs[0] not in kinds:
        return f"trainer.model: {model} needs {needs[1]}; the schema has none"
    return None


def _plan(schema: schema_pb2.Schema, feature: schema_pb2.Feature, normalize: str) -> Feature:
    where = f"feature {feature.name!r}"
    dims = tuple(dim.size for dim in feature.shape.dim)
    if feature.HasField("shape"):
        optional = False
    elif feature.value_count.max == 1:
        optional, dims = True, (1,)
    else:
        raise SchemaPlanError(
            f"{where}: no fixed shape and not at most one value per example (value_count max 1); the default "
            "Transform takes fixed-length or single values: set a shape, or write a transform.preprocessing_fn")
    if feature.type == schema_pb2.BYTES or (feature.type == schema_pb2.INT and feature.int_domain.is_categorical):
        if dims not in ((), (1,)):
            raise SchemaPlanError(f"{where}: a categorical feature of shape {list(dims)}; expected one value")
        size = len(_string_domain(schema, feature)) if feature.type == schema_pb2.BYTES else 0
        if feature.type == schema_pb2.INT and feature.int_domain.HasField("max"):
            size = feature.int_domain.max - feature.int_domain.min + 1
        size = size or VOCABULARY_SIZE
        return Feature(feature.name, "categorical", (size + 1,), optional, vocabulary_size=size)
    if feature.type not in (schema_pb2.INT, schema_pb2.FLOAT):
        raise SchemaPlanError(f"{where}: type {schema_pb2.FeatureType.Name(feature.type)}; expected INT, FLOAT or "
                              "BYTES")
    value_range = _value_range(feature)
    if len(dims) in IMAGE_RANKS:
        if value_range is None:
            raise SchemaPlanError(f"{where}: an image (shape {'x'.join(map(str, dims))}) with no value range; "
                                  "expected int_domain or float_domain { min: ... max: ... } in the schema")
        return Feature(feature.name, "image", dims, optional, value_range)
    if len(dims) > 1:
        raise SchemaPlanError(f"{where}: shape {list(dims)}; expected one value, a vector, or an image (H x W [x C])")
    if normalize == "fixed_range" and value_range is None:
        raise SchemaPlanError(f"{where}: transform.normalize is fixed_range but the schema gives it no range; expected "
                              "int_domain or float_domain { min: ... max: ... }, or another transform.normalize")
    return Feature(feature.name, "numeric", dims or (1,), optional, value_range)


def _value_range(feature: schema_pb2.Feature) -> Optional[tuple[float, float]]:
    domain = feature.int_domain if feature.type == schema_pb2.INT else feature.float_domain
    has_domain = feature.HasField("int_domain" if feature.type == schema_pb2.INT else "float_domain")
    if not (has_domain and domain.HasField("min") and domain.HasField("max")) or domain.max <= domain.min:
        return None
    return float(domain.min), float(domain.max)


def _string_domain(schema: schema_pb2.Schema, feature: schema_pb2.Feature) -> list[str]:
    """The feature's own string_domain, or the schema's top-level one it names in `domain`."""
    if feature.HasField("string_domain"):
        return list(feature.string_domain.value)
    if feature.domain:
        for domain in schema.string_domain:
            if domain.name == feature.domain:
                return list(domain.value)
    return []
