"""The default Transform gives the single-value numeric features to the model as the columns of one tensor,
`numbers`, each normalized on its own (checked against numpy through TFT's own Beam analysis), with as
many TFT analyzers for 40 columns as for 2: one analyzer and one model input per column made a table of
1,000 columns take minutes."""
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_transform as tft
import tensorflow_transform.beam as tft_beam
from tensorflow_transform.tf_metadata import schema_utils

from tfxflow.components.feature_model.preprocessing import preprocessing_fn
from tfxflow.components.label import Label
from tfxflow.components.schema_text import read_schema

LABEL = Label("label", "classification", ("0", "1"))


def schema_file(tmp_path, columns: int) -> str:
    """A schema of `columns` FLOAT columns x0.. (x1 may be missing), a vector, and an INT label."""
    features = [f'feature {{ name: "x{i}" type: FLOAT presence {{ min_fraction: 1 }} '
                'shape { dim { size: 1 } } '
                'float_domain { min: -10 max: 10 } }' for i in range(columns) if i != 1]
    features.append('feature { name: "x1" type: FLOAT value_count { max: 1 } float_domain { min: -10 max: 10 } }')
    features.append('feature { name: "v" type: FLOAT presence { min_fraction: 1 } shape { dim { size: 3 } } '
                    'float_domain { min: 0 max: 4 } }')
    features.append('feature { name: "label" type: INT presence { min_fraction: 1 } shape { dim { size: 1 } } '
                    'int_domain { min: 0 max: 1 is_categorical: true } }')
    path = tmp_path / f"schema{columns}.pbtxt"
    path.write_text("\n".join(features))
    return str(path)


def config(schema_path: str, method: str) -> dict:
    return {"normalize": method, "label": LABEL.to_config(), "schema_path": schema_path}


def analyzers(schema_path: str) -> int:
    """How many TFT analyzers tracing preprocessing_fn over the schema's features adds to the graph."""
    spec = schema_utils.schema_as_feature_spec(read_schema(schema_path)).feature_spec
    with tf.compat.v1.Graph().as_default() as graph:
        inputs = {name: tf.compat.v1.placeholder(feature.dtype, [None, *feature.shape])
                  if isinstance(feature, tf.io.FixedLenFeature) else tf.compat.v1.sparse_placeholder(feature.dtype)
                  for name, feature in spec.items()}
        preprocessing_fn(inputs, config(schema_path, "z_score"))
        return len(graph.get_collection(tft.analyzer_nodes.TENSOR_REPLACEMENTS))


def test_as_many_analyzers_for_forty_columns_as_for_two(tmp_path):
    assert analyzers(schema_file(tmp_path, 40)) == analyzers(schema_file(tmp_path, 2))


def transformed(tmp_path, method: str) -> tuple[np.ndarray, list[dict], str]:
    """A table of four columns (x1 missing in every fifth row, x3 one value throughout), its rows
    transformed by TFT's Beam analysis with preprocessing_fn, and the transform's directory."""
    rng = np.random.default_rng(0)
    table = rng.normal(loc=[0, 3, -2, 0], scale=[1, 2, 0.5, 0], size=(50, 4))
    table[:, 3] = 2.0
    rows = [{"x0": [table[r, 0]], "x2": [table[r, 2]], "x3": [table[r, 3]], "v": [1.0, 2.0, 3.0],
             "label": [r % 2], "x1": [] if r % 5 == 0 else [table[r, 1]]} for r in range(len(table))]
    table[::5, 1] = np.nan
    path = schema_file(tmp_path, 4)
    output = str(tmp_path / "transform")
    with tft_beam.Context(temp_dir=str(tmp_path / "tft"), force_tf_compat_v1=False):
        (rows, _), transform_fn = (rows, tft.DatasetMetadata(read_schema(path))) | tft_beam.AnalyzeAndTransformDataset(
            lambda inputs: preprocessing_fn(inputs, config(path, method)), output_record_batches=False)
        _ = transform_fn | tft_beam.WriteTransformFn(output)
    return table, rows, output


@pytest.mark.parametrize("method", ["z_score", "min_max", "fixed_range"])
def test_each_column_scaled_on_its_own_and_missing_values_imputed(tmp_path, method):
    table, rows, _ = transformed(tmp_path, method)
    order = [0, 2, 3, 1]  # the schema's order (schema_file writes x1 last), which is the columns' order
    got = np.array([row["numbers"] for row in rows])
    imputed = np.where(np.isnan(table), np.nanmean(table, axis=0), table)[:, order]
    low, high = imputed.min(axis=0), imputed.max(axis=0)
    deviation = imputed.std(axis=0)
    expected = {
        "z_score": (imputed - imputed.mean(axis=0)) / np.where(deviation == 0, 1, deviation),
        "min_max": np.where(low < high, (imputed - low) / np.where(low < high, high - low, 1),
                            1 / (1 + np.exp(-imputed))),  # one value throughout: a sigmoid, as TFT's scale_to_0_1
        "fixed_range": (imputed + 10) / 20,
    }[method]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_the_model_gets_the_numbers_as_one_input_beside_the_other_features(tmp_path):
    _, _, output = transformed(tmp_path, "z_score")
    spec = tft.TFTransformOutput(output).transformed_feature_spec()
    assert {name: list(feature.shape) for name, feature in spec.items()} == {"numbers": [4], "v": [3], "label": [1]}
