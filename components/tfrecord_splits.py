"""Writes an Examples artifact's splits in a fixed record order, one gzipped TFRecord file per split.

    write_splits(examples, {"train": train_records, "eval": eval_records})   # iterables of serialized tf.Examples

TFX's own ExampleGen path (write_split) Reshuffles records through Beam, so two runs of the same
generator write the same examples in different orders and train different models. Here the order
is the order the iterables yield, records stream (memory does not grow with the split), and a split
that fails while being written removes every split: a failed ExampleGen leaves no half-written Examples.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

import tensorflow as tf
from tfx import types
from tfx.components.example_gen import write_split
from tfx.components.util import examples_utils
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils

# zlib level 1 writes MNIST 3x faster than the default level, for files 14 % larger.
_OPTIONS = tf.io.TFRecordOptions(compression_type="GZIP", compression_level=1)


def write_splits(examples: types.Artifact, splits: Mapping[str, Iterable[bytes]]) -> None:
    """Writes each split's records in order and marks `examples` as gzipped TFRecords of tf.Examples."""
    examples.split_names = artifact_utils.encode_split_names(list(splits))
    directories = {split: artifact_utils.get_split_uri([examples], split) for split in splits}
    try:
        for split, records in splits.items():
            _write(records, directories[split])
    except BaseException:
        for directory in directories.values():
            if tf.io.gfile.exists(directory):
                tf.io.gfile.rmtree(directory)
        raise
    examples_utils.set_payload_format(examples, example_gen_pb2.FORMAT_TF_EXAMPLE)
    examples_utils.set_file_format(examples, write_split.to_file_format_str(example_gen_pb2.FORMAT_TFRECORDS_GZIP))


def _write(records: Iterable[bytes], directory: str) -> None:
    tf.io.gfile.makedirs(directory)
    path = os.path.join(directory, f"{write_split.DEFAULT_FILE_NAME}-00000-of-00001.gz")
    with tf.io.TFRecordWriter(path, _OPTIONS) as writer:
        for record in records:
            writer.write(record)
