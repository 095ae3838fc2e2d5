"""ImportSchemaGen keyed on the schema file's content."""
