"""When the Evaluator blesses (pipelines/spec.py EvaluatorSettings, build.eval_config): the bounds a pipeline
file declares on any metric its task computes, the defaults per task, the accuracy shorthands, and one
line at validate for a bound on a metric the task does not compute or in the direction never refused."""
import json

import pytest

from conftest import REPO, problems
from tfxflow.pipelines.load import load_spec
from tfxflow.pipelines.spec import Bound, ChangeBound

BAKER = "name: baker\ningest: {kind: baker}\n"  # two classes: a binary classification
MNIST = "name: mnist\ningest: {kind: mnist}\n"  # ten classes
SINE = "name: sine\ningest: {kind: sine}\n"  # a regression


@pytest.fixture
def write(tmp_path):
    def written(text: str):
        (tmp_path / "p.yaml").write_text(text)
        return tmp_path / "p.yaml"
    return written


def test_a_classification_is_at_least_half_accurate_and_at_most_a_point_worse_than_served(write):
    evaluator = load_spec(write(MNIST)).evaluator
    assert evaluator.thresholds == {"accuracy": Bound(lower=0.5)}
    assert evaluator.change == {"accuracy": ChangeBound(max_decrease=0.01)}


def test_a_regression_has_no_value_bound_and_may_be_one_percent_worse_than_served(write):
    spec = load_spec(write(SINE))
    assert spec.task == "regression" and spec.evaluator.thresholds == {}
    assert spec.evaluator.change == {"mean_squared_error": ChangeBound(max_increase=0.01, relative=True)}


def test_the_accuracy_shorthands_join_the_declared_bounds(write):
    evaluator = load_spec(write(BAKER + "evaluator: {min_accuracy: 0.8, max_accuracy_drop: 0.02, "
                                "thresholds: {auc: {lower: 0.9}}}\n")).evaluator
    assert evaluator.thresholds == {"auc": Bound(lower=0.9), "accuracy": Bound(lower=0.8)}
    assert evaluator.change == {"accuracy": ChangeBound(max_decrease=0.02)}
    assert evaluator.min_accuracy is None and evaluator.max_accuracy_drop is None  # written into them


@pytest.mark.parametrize("text, expected", [
    (MNIST + "evaluator: {thresholds: {auc: {lower: 0.9}}}\n", "evaluator.thresholds.auc: not a metric classification "
     "into 10 classes computes; expected one of accuracy"),
    (BAKER + "evaluator: {thresholds: {mean_squared_error: {upper: 1}}}\n", "evaluator.thresholds.mean_squared_error: "
     "not a metric binary classification computes; expected one of accuracy, auc, precision, recall"),
    (SINE + "evaluator: {change: {accuracy: {max_decrease: 0.1}}}\n", "evaluator.change.accuracy: not a metric "
     "regression computes; expected one of mean_squared_error, mean_absolute_error, root_mean_squared_error, "
     "r_squared"),
    (SINE + "evaluator: {min_accuracy: 0.9}\n", "evaluator.min_accuracy: a classification setting, and the task is "
     "regression; expected evaluator.thresholds"),
    (BAKER + "evaluator: {min_accuracy: 0.9, thresholds: {accuracy: {lower: 0.8}}}\n",
     "evaluator.min_accuracy and evaluator.thresholds.accuracy both given; expected one"),
    (SINE + "evaluator: {change: {mean_squared_error: {max_decrease: 0.1}}}\n", "evaluator.change.mean_squared_error."
     "max_decrease: mean_squared_error is better lower, so that change is never refused; expected max_increase"),
    (BAKER + "evaluator: {change: {auc: {max_increase: 0.1}}}\n", "evaluator.change.auc.max_increase: auc is better "
     "higher, so that change is never refused; expected max_decrease"),
    (SINE + "evaluator: {thresholds: {mean_squared_error: {}}}\n", "evaluator.thresholds.mean_squared_error: expected "
     "lower, upper or both"),
    (SINE + "evaluator: {thresholds: {mean_squared_error: {lower: 2, upper: 1}}}\n",
     "evaluator.thresholds.mean_squared_error: lower 2.0 is above upper 1.0; expected lower <= upper"),
])
def test_a_bound_the_task_cannot_judge_is_one_line_at_validate(write, text, expected):
    [line] = problems(write(text))
    assert line.split(": ", 1)[1].removeprefix("(top level): ") == expected, line


def test_a_kind_refuses_a_task_or_label_its_models_cannot_learn(write):
    [line] = problems(write(BAKER + "task: regression\n"))
    assert line.endswith("task: regression; the baker kind's models are for classification: expected task: "
                         "classification")
    [line] = problems(write(SINE + "label: {key: x}\n"))
    assert line.endswith("label.key: 'x'; the sine kind's data names its label 'y': expected label.key: y (or leave it "
                         "out)")


def test_bounds_become_tfmas_thresholds_in_the_direction_of_each_metric(write):
    import tensorflow_model_analysis as tfma

    from tfxflow.pipelines.build import eval_config

    spec = load_spec(write(SINE + "evaluator:\n  thresholds: {root_mean_squared_error: {lower: 0, upper: 0.05}}\n"
                           "  change: {mean_absolute_error: {max_increase: 0.02, relative: true}}\n"))
    config = eval_config(spec)
    assert config.model_specs[0].prediction_key == "value" and not config.model_specs[0].preprocessing_function_names
    metrics = {m.class_name: m for spec_ in config.metrics_specs for m in spec_.metrics}
    assert set(metrics) == {"ExampleCount", "MeanSquaredError", "MeanAbsoluteError", "RootMeanSquaredError",
                            "RSquared"}
    assert metrics["RSquared"].module == "tfxflow.components.served_model_evaluator.r_squared"
    rmse = metrics["RootMeanSquaredError"].per_slice_thresholds[0].threshold
    assert (rmse.value_threshold.lower_bound.value, rmse.value_threshold.upper_bound.value) == (0, 0.05)
    mae = metrics["MeanAbsoluteError"].per_slice_thresholds[0].threshold.change_threshold
    assert mae.direction == tfma.MetricDirection.LOWER_IS_BETTER and mae.relative.value == 0.02
    assert not metrics["MeanSquaredError"].per_slice_thresholds  # the declared change replaces the default


def test_a_binary_classifiers_auc_precision_and_recall_are_of_class_id_1(write):
    import tensorflow_model_analysis as tfma

    from tfxflow.pipelines.build import eval_config

    config = eval_config(load_spec(write(BAKER + "evaluator: {thresholds: {auc: {lower: 0.9}}}\n")))
    overall, binary = config.metrics_specs
    assert list(binary.binarize.class_ids.values) == [1]
    assert [m.class_name for m in binary.metrics] == ["AUC", "Precision", "Recall", "ConfusionMatrixPlot"]
    auc = binary.metrics[0].per_slice_thresholds[0].threshold
    assert auc.value_threshold.lower_bound.value == 0.9
    accuracy = [m for m in overall.metrics if m.class_name == "SparseCategoricalAccuracy"][0]
    change = accuracy.per_slice_thresholds[0].threshold.change_threshold
    assert change.direction == tfma.MetricDirection.HIGHER_IS_BETTER and change.absolute.value == -0.01


def test_the_mnist_preset_honours_another_label_key_in_its_example_gen_and_transform(write, tmp_path):
    from tfxflow.pipelines.build import fingerprint_settings, local_pipeline
    from tfxflow.components.input_fingerprint.fingerprints import fingerprint_inputs

    schema = (REPO / "schemas" / "mnist" / "schema.pbtxt").read_text().replace('name: "label"', 'name: "digit"')
    (tmp_path / "digits.pbtxt").write_text(schema)
    (tmp_path / "digits.npz").write_bytes(b"")
    spec = load_spec(write(f"name: digits\ningest: {{kind: mnist, path: {tmp_path / 'digits.npz'}}}\n"
                           f"label: {{key: digit}}\nschema_file: {tmp_path / 'digits.pbtxt'}\n"))
    assert spec.target().key == "digit" and spec.target().classes == tuple("0123456789")
    settings = {key: value for key, value in fingerprint_settings(spec).items() if key != "data_uri"}
    pipeline = local_pipeline(spec, fingerprint_inputs(data_uri="", **settings))
    nodes = {node.id: node for node in pipeline.components}
    assert nodes["NpzExampleGen"].exec_properties["label"] == "digit"
    assert json.loads(nodes["Transform"].exec_properties["custom_config"])["label"]["key"] == "digit"
