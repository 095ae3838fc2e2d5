"""NpzExampleGen: an MNIST `.npz` as a standard Examples artifact.

    gen = NpzExampleGen(path="data/mnist.npz")
    StatisticsGen(examples=gen.outputs["examples"])

Outputs `examples` (standard_artifacts.Examples): split `train` from x_train/y_train and `eval`
from x_test/y_test, gzipped TFRecord tf.Examples with `image` (784 ints 0-255) and `label` (0-9).
It is a FileBasedExampleGen, so TFX records the input's fingerprint and span like any file input.
"""
from __future__ import annotations

import os

from tfx.components.example_gen.component import FileBasedExampleGen
from tfx.dsl.components.base import executor_spec
from tfx.proto import example_gen_pb2

from components.npz_example_gen import driver, executor


class NpzExampleGen(FileBasedExampleGen):
    """Ingests x_train/y_train as `train` and x_test/y_test as `eval` from one npz file."""

    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)
    DRIVER_CLASS = driver.Driver

    def __init__(self, path: str):
        name = os.path.basename(path)
        splits = [example_gen_pb2.Input.Split(name=split, pattern=name) for split in ("train", "eval")]
        super().__init__(input_base=os.path.dirname(path), input_config=example_gen_pb2.Input(splits=splits))
