"""ImportSchemaGen whose cache key follows the schema file's content, not only its path.

    schema = ImportSchemaGen(schema_file="schemas/mnist/schema.pbtxt", fingerprint=fingerprints.schema)

TFX's ImportSchemaGen keys its cache on the `schema_file` path: a schema edited in place would be
served from cache and never checked against the data. `fingerprint` (the file's sha256, see
components/input_fingerprint) is an extra execution parameter its executor ignores; being part of
the cache key, an edited schema is imported again and everything downstream re-validated.
"""
from __future__ import annotations

from tfx.components.schema_gen.import_schema_gen import component as import_schema_gen
from tfx.dsl.components.base import base_component
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.channel import OutputChannel
from tfx.types.component_spec import ExecutionParameter

from tfxflow.components.fingerprint_parameter import Parameter

FINGERPRINT_KEY = "fingerprint"


class ImportSchemaGenSpec(standard_component_specs.ImportSchemaGenSpec):
    PARAMETERS = {
        **standard_component_specs.ImportSchemaGenSpec.PARAMETERS,
        FINGERPRINT_KEY: ExecutionParameter(type=str),
    }


class ImportSchemaGen(base_component.BaseComponent):
    """Copies `schema_file` into a Schema artifact (TFX's executor); outputs `schema`."""

    SPEC_CLASS = ImportSchemaGenSpec
    EXECUTOR_SPEC = import_schema_gen.ImportSchemaGen.EXECUTOR_SPEC

    def __init__(self, schema_file: str, fingerprint: Parameter):
        super().__init__(
            spec=ImportSchemaGenSpec(
                schema_file=schema_file,
                fingerprint=fingerprint,
                schema=OutputChannel(standard_artifacts.Schema, self, standard_component_specs.SCHEMA_KEY),
            )
        )
