"""A user's project as tests build it in a temporary working directory: packages of their own code,
named in pipeline files by import path (`my_components.counting:RowCount`)."""
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
# components: as a --set value, the RowCount above reading the baker pipeline's examples.
ROW_COUNT_DECLARED = ("components=[{id: RowCount, class: 'my_components.counting:RowCount', "
                      "inputs: {examples: BakerExampleGen.examples}, args: {minimum: 10}}]")


def write_package(workdir: Path, package: str, modules: dict[str, str]) -> Path:
    """`workdir`/`package` with an __init__.py and `modules` (name -> source); returns the package."""
    (workdir / package).mkdir(exist_ok=True)
    (workdir / package / "__init__.py").write_text("")
    for name, source in modules.items():
        (workdir / package / f"{name}.py").write_text(source)
    return workdir / package


def row_count(offset: int) -> str:
    return ROW_COUNT.replace("OFFSET", str(offset))
