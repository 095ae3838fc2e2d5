"""What the default Transform and the built-in models make of each feature (components/feature_model/
features.py): read from the schema, one rule per feature type and shape, and one line for a schema
they cannot use."""
import pytest
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from tfxflow.components.feature_model.features import VOCABULARY_SIZE, Feature, SchemaPlanError, label_of, \
    plan_features
from tfxflow.components.label import Label

CHURN = """
feature { name: "age" type: INT value_count { max: 1 } }
feature { name: "income" type: FLOAT shape { dim { size: 1 } } }
feature { name: "region" type: BYTES domain: "region" value_count { max: 1 } }
feature { name: "city" type: BYTES shape { dim { size: 1 } } }
feature { name: "store" type: INT int_domain { min: 1 max: 3 is_categorical: true } shape { dim { size: 1 } } }
feature { name: "photo" type: INT int_domain { min: 0 max: 255 }
          shape { dim { size: 8 } dim { size: 8 } dim { size: 3 } } }
feature { name: "series" type: FLOAT shape { dim { size: 100 } } }
feature { name: "plan" type: BYTES domain: "plan" shape { dim { size: 1 } } }
string_domain { name: "plan" value: "basic" value: "plus" value: "pro" }
string_domain { name: "region" value: "east" value: "north" }
"""


def schema(text: str) -> schema_pb2.Schema:
    return text_format.Parse(text, schema_pb2.Schema())


def test_each_feature_is_planned_by_its_type_and_shape():
    plan = plan_features(schema(CHURN), label_of(schema(CHURN), "plan"), "z_score")
    assert plan.label == Label("plan", "classification", ("basic", "plus", "pro"), string=True)
    assert plan.features == {
        "age": Feature("age", "numeric", (1,), optional=True),
        "income": Feature("income", "numeric", (1,)),
        "region": Feature("region", "categorical", (3,), optional=True, vocabulary_size=2),
        "city": Feature("city", "categorical", (VOCABULARY_SIZE + 1,), vocabulary_size=VOCABULARY_SIZE),
        "store": Feature("store", "categorical", (4,), vocabulary_size=3),
        "photo": Feature("photo", "image", (8, 8, 3), value_range=(0.0, 255.0)),
        "series": Feature("series", "numeric", (100,)),
    }


def test_integer_labels_are_classes_0_to_n_minus_1_of_their_domain():
    text = 'feature { name: "label" type: INT int_domain { min: 0 max: 9 } shape { dim { size: 1 } } }'
    assert label_of(schema(text), "label") == Label("label", "classification", tuple("0123456789"))


@pytest.mark.parametrize("text, task", [
    ('feature { name: "y" type: FLOAT shape { dim { size: 1 } } }', None),
    ('feature { name: "y" type: INT shape { dim { size: 1 } } }', "regression"),
    ('feature { name: "y" type: INT int_domain { min: 0 max: 9 } shape { dim { size: 1 } } }', "regression"),
])
def test_a_float_label_or_a_declared_regression_is_a_regression(text, task):
    assert label_of(schema(text), "y", task) == Label("y", "regression")


def test_two_classes_are_a_binary_classification():
    text = 'feature { name: "y" type: BYTES domain: "y" shape { dim { size: 1 } } }\n' \
           'string_domain { name: "y" value: "no" value: "yes" }'
    label = label_of(schema(text), "y")
    assert label.binary and label.classes == ("no", "yes") and label.outputs == 2
    assert not label_of(schema(CHURN), "plan").binary


@pytest.mark.parametrize("text, expected", [
    ('feature { name: "y" type: INT }', "label.key: 'label' is not a feature of the schema; expected one of y"),
    ('feature { name: "label" type: INT value_count { max: 1 } }', "label 'label': expected one value in every "
                                                                    "example"),
    ('feature { name: "label" type: INT SHAPE }', "label 'label': expected int_domain { min: 0 max: N-1 }"),
    ('feature { name: "label" type: INT int_domain { min: 1 max: 3 } SHAPE }', "label 'label': expected int_domain"),
    ('feature { name: "label" type: BYTES SHAPE }',
     "label 'label': expected a string_domain of at least 2 class names"),
])
def test_a_label_whose_classes_the_schema_does_not_fix_is_refused(text, expected):
    with pytest.raises(SchemaPlanError) as raised:
        label_of(schema(text.replace("SHAPE", "shape { dim { size: 1 } }")), "label")
    assert str(raised.value).startswith(expected)


@pytest.mark.parametrize("text, task, expected", [
    ('feature { name: "label" type: FLOAT SHAPE }', "classification",
     "label 'label': a FLOAT feature, and task is classification; expected INT class ids or BYTES class names"),
    ('feature { name: "label" type: BYTES SHAPE }', "regression",
     "label 'label': a BYTES feature, and task is regression; expected a FLOAT or INT label"),
])
def test_a_label_of_the_wrong_type_for_the_task_is_refused(text, task, expected):
    with pytest.raises(SchemaPlanError) as raised:
        label_of(schema(text.replace("SHAPE", "shape { dim { size: 1 } }")), "label", task)
    assert str(raised.value).startswith(expected)


LABEL = 'feature { name: "label" type: INT int_domain { min: 0 max: 1 } shape { dim { size: 1 } } }\n'


@pytest.mark.parametrize("feature, normalize, expected", [
    ('feature { name: "tags" type: BYTES }', "z_score",
     "feature 'tags': no fixed shape and not at most one value per example"),
    ('feature { name: "x" type: INT shape { dim { size: 4 } dim { size: 4 } } }', "z_score",
     "feature 'x': an image (shape 4x4) with no value range; expected int_domain or float_domain"),
    ('feature { name: "x" type: FLOAT shape { dim { size: 1 } } }', "fixed_range",
     "feature 'x': transform.normalize is fixed_range but the schema gives it no range"),
    ('feature { name: "x" type: STRUCT shape { dim { size: 1 } } }', "z_score",
     "feature 'x': type STRUCT; expected INT, FLOAT or BYTES"),
    ('feature { name: "x" type: BYTES shape { dim { size: 3 } } }', "z_score",
     "feature 'x': a categorical feature of shape [3]; expected one value"),
])
def test_a_feature_the_default_transform_cannot_encode_is_one_line(feature, normalize, expected):
    with pytest.raises(SchemaPlanError) as raised:
        plan_features(schema(LABEL + feature), label_of(schema(LABEL), "label"), normalize)
    assert str(raised.value).startswith(expected)


def test_a_schema_of_only_the_label_has_nothing_to_learn_from():
    with pytest.raises(SchemaPlanError, match="no feature besides the label 'label'"):
        plan_features(schema(LABEL), label_of(schema(LABEL), "label"), "z_score")


def test_the_single_value_numbers_are_one_model_input_in_the_schemas_order():
    plan = plan_features(schema(CHURN), label_of(schema(CHURN), "plan"), "z_score")
    assert plan.numbers == ("age", "income")  # not the vector `series`, the image or the categorical `store`


@pytest.mark.parametrize("numbers", ['type: BYTES shape { dim { size: 1 } }', 'type: FLOAT shape { dim { size: 4 } }'])
def test_a_feature_named_as_the_numbers_input_is_refused_beside_single_numbers(numbers):
    text = CHURN + f'feature {{ name: "numbers" {numbers} }}'
    with pytest.raises(SchemaPlanError, match=r"^feature 'numbers': a \w+ feature, and the default Transform gives "
                                              r"that name to the single-value numeric features \(age, income\); "
                                              r"expected another name$"):
        plan_features(schema(text), label_of(schema(text), "plan"), "z_score")


def test_a_single_value_number_may_be_named_numbers():
    text = CHURN + 'feature { name: "numbers" type: FLOAT shape { dim { size: 1 } } }'
    assert plan_features(schema(text), label_of(schema(text), "plan"), "z_score").numbers == ("age", "income",
                                                                                              "numbers")

