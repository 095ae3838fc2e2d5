"""A TFDV schema file read into its proto, from a local path or a URI.

    schema = read_schema("schemas/baker/schema.pbtxt")          # or gs://, s3:// (through tf.io.gfile)
"""
from __future__ import annotations

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2


def read_schema(location: str) -> schema_pb2.Schema:
    """A schema in protobuf text format, from a local path or a URI (tf.io.gfile for URIs)."""
    if "://" in location:
        import tensorflow as tf  # only for URIs

        with tf.io.gfile.GFile(location, "r") as stream:
            text = stream.read()
    else:
        with open(location, encoding="utf-8") as stream:
            text = stream.read()
    return text_format.Parse(text, schema_pb2.Schema())
