"""A user's project as tests build it in a temporary working directory: packages of their own code,
named in pipeline files by import path (`my_components.counting:RowCount`)."""
import importlib
import sys
from pathlib import Path

ROW_COUNT = '''
import os

import tensorflow as tf
from tfx.dsl.component.experimental.annotations import InputArtifact, OutputDict, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types.standard_artifacts import Examples


@component
def RowCount(examples: InputArtifact[Examples], minimum: Parameter[int] = 0) -> OutputDict(rows=int):
    """The train split's examples, plus OFFSET; fails below `minimum`."""
    files = tf.io.gfile.glob(os.path.join(examples.uri, "Split-train", "*"))
    rows = sum(1 for path in files for _ in tf.data.TFRecordDataset(path, compression_type="GZIP"))
    if rows < minimum:
        raise ValueError(f"{rows} rows, fewer than {minimum}")
    return {"rows": rows + OFFSET}
'''
# A user's own ExampleGen (`ingest.kind: my_data.gen:RowsGen`): `rows` examples of x and a label per split.
ROWS_GEN = '''
import os

import tensorflow as tf
from tfx.dsl.component.experimental.annotations import OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types.standard_artifacts import Examples


@component
def RowsGen(examples: OutputArtifact[Examples], rows: Parameter[int] = 100):
    examples.split_names = '["train", "eval"]'
    for split in ("train", "eval"):
        directory = os.path.join(examples.uri, f"Split-{split}")
        tf.io.gfile.makedirs(directory)
        with tf.io.TFRecordWriter(os.path.join(directory, "rows.gz"), "GZIP") as writer:
            for i in range(rows):
                features = {"x": tf.train.Feature(float_list=tf.train.FloatList(value=[i % 2 + 0.1])),
                            "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[i % 2]))}
                writer.write(tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString())
'''
# components: as a --set value, the RowCount above reading the baker pipeline's examples.
ROW_COUNT_DECLARED = ("components=[{id: RowCount, class: 'my_components.counting:RowCount', "
                      "inputs: {examples: BakerExampleGen.examples}, args: {minimum: 10}}]")


def write_package(workdir: Path, package: str, modules: dict[str, str]) -> Path:
    """`workdir`/`package` with an __init__.py and `modules` (name -> source); returns the package.

    A package of that name imported by an earlier test is forgotten, so this one is imported."""
    for name in [name for name in sys.modules if name == package or name.startswith(f"{package}.")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    (workdir / package).mkdir(exist_ok=True)
    (workdir / package / "__init__.py").write_text("")
    for name, source in modules.items():
        (workdir / package / f"{name}.py").write_text(source)
    return workdir / package


def row_count(offset: int) -> str:
    return ROW_COUNT.replace("OFFSET", str(offset))


def write_customers(path: Path, rows: int = 1500, seed: int = 0) -> Path:
    """A churn-like CSV: `age` (int, some NA), `income` (float, some empty), `region` (string, some
    empty), `tenure` (int) and the string label `plan` (basic or pro: a binary classification), which
    follows from them."""
    import csv

    import numpy as np

    rng = np.random.default_rng(seed)
    regions = ["north", "south", "east", "west"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["age", "income", "region", "tenure", "plan"])
        for _ in range(rows):
            age, income = int(rng.integers(18, 80)), float(rng.normal(50, 15))
            region, tenure = regions[int(rng.integers(4))], int(rng.integers(0, 20))
            score = income / 10 + tenure / 4 + (2 if region == "north" else 0)
            plan = "basic" if score < 8 else "pro"
            cells = [age, f"{income:.2f}", region, tenure, plan]
            for column, missing in ((0, "NA"), (1, ""), (2, "")):
                if rng.random() < 0.05:
                    cells[column] = missing
            writer.writerow(cells)
    return path


def write_prices(path: Path, rows: int = 1500, seed: int = 0) -> Path:
    """A regression CSV: `rooms` (int), `area` (float, some empty), `district` (string, some empty) and
    the FLOAT label `price` = 0.3 rooms + 0.015 area + the district's share + noise (about 1 to 4)."""
    import csv

    import numpy as np

    rng = np.random.default_rng(seed)
    districts = {"north": 0.4, "south": 0.0, "east": 0.2, "west": 0.1}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["rooms", "area", "district", "price"])
        for _ in range(rows):
            rooms, area = int(rng.integers(1, 7)), float(np.clip(rng.normal(80, 25), 20, 200))
            district = list(districts)[int(rng.integers(4))]
            price = 0.3 * rooms + 0.015 * area + districts[district] + rng.normal(0, 0.05)
            cells = [rooms, f"{area:.1f}", district, f"{price:.4f}"]
            for column in (1, 2):
                if rng.random() < 0.05:
                    cells[column] = ""
            writer.writerow(cells)
    return path


def write_shapes(path: Path, train: int = 800, test: int = 200, seed: int = 0) -> dict:
    """An npz of 32x32 RGB uint8 images in 4 classes: class k has a bright square in quadrant k."""
    import numpy as np

    rng = np.random.default_rng(seed)

    def images(count: int):
        labels = rng.integers(0, 4, count)
        x = rng.integers(0, 60, (count, 32, 32, 3)).astype(np.uint8)
        for i, k in enumerate(labels):
            row, column = divmod(int(k), 2)
            x[i, row * 16 + 4: row * 16 + 12, column * 16 + 4: column * 16 + 12, k % 3] = 250
        return x, labels

    (x_train, y_train), (x_test, y_test) = images(train), images(test)
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    return arrays


# A user's model function for the churn CSV: inputs named after the transformed features.
CHURN_MODEL = """
import tensorflow as tf


def build(feature_shapes, num_classes):
    inputs = {name: tf.keras.Input(shape=shape, name=name) for name, shape in feature_shapes.items()}
    joined = tf.keras.layers.Concatenate()([inputs[name] for name in sorted(inputs)])
    hidden = tf.keras.layers.Dense(UNITS, activation="relu")(joined)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(num_classes, activation="softmax")(hidden))
"""

# A user's regression model function for the prices CSV: one linear output (`outputs` is 1).
PRICES_MODEL = """
import tensorflow as tf


def build(feature_shapes, outputs):
    inputs = {name: tf.keras.Input(shape=shape, name=name) for name, shape in feature_shapes.items()}
    joined = tf.keras.layers.Concatenate()([inputs[name] for name in sorted(inputs)])
    hidden = tf.keras.layers.Dense(32, activation="relu")(joined)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(outputs)(hidden))
"""

# A user's CNN for 32x32x3 images.
SHAPES_CNN = """
import tensorflow as tf


def build(feature_shapes, num_classes):
    inputs = {name: tf.keras.Input(shape=shape, name=name) for name, shape in feature_shapes.items()}
    images = tf.keras.layers.Conv2D(FILTERS, 3, activation="relu")(inputs["x"])
    images = tf.keras.layers.MaxPooling2D()(images)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(num_classes, activation="softmax")(
        tf.keras.layers.Flatten()(images)))
"""
