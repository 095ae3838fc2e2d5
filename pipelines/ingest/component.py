"""`ingest: {kind: package.module:MyExampleGen}`: the user's own ExampleGen, a TFX component class.

    ingest:
      kind: my_data.gen:ParquetExampleGen    # a BaseComponent subclass with an `examples` output
      args: {input_base: gs://acme/parquet}  # its constructor's arguments

Its `examples` output (train and eval splits) feeds the pipeline as any ExampleGen's does; the
schema is the user's (`schema_file`), the features are encoded from it. TFX keys its cache on its
class and arguments, tfxflow on its code too (an edit re-executes it): a component that reads files
changing in place should take an argument that changes with them.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from tfxflow.pipelines.spec import IngestSettings

if TYPE_CHECKING:
    from tfx.dsl.components.base.base_component import BaseComponent

    from tfxflow.components.input_fingerprint.fingerprints import Parameter


class ComponentIngest(IngestSettings):
    """A user's ExampleGen component class, constructed with `args`."""

    kind: str
    args: dict[str, Any] = Field({}, description="the component's constructor arguments")

    COMPONENT: ClassVar[type]

    def example_gen(self, data_uri: str, fingerprint: Parameter) -> BaseComponent:
        from tfxflow.components.code_keyed.component import keyed_by_code
        from tfxflow.components.user_code import UnknownName

        try:
            component = self.COMPONENT(**self.args)
        except (TypeError, ValueError) as error:
            raise UnknownName(f"ingest.args: {self.kind} refused its arguments: {error}") from None
        if "examples" not in component.outputs:
            raise UnknownName(f"ingest.kind: {self.kind} has no `examples` output; expected an ExampleGen (outputs: "
                              f"{', '.join(component.outputs) or 'none'})")
        return keyed_by_code(component)


def is_component_class(value: object) -> bool:
    """Whether `value` is a TFX component class (told by its bases' names: TFX is not imported for it)."""
    return isinstance(value, type) and any(
        base.__name__ == "BaseComponent" and base.__module__.startswith("tfx.") for base in value.__mro__)


@functools.cache
def component_kind(name: str, component: type) -> type[ComponentIngest]:
    """The ingest kind of a user's ExampleGen class, named `name` in pipeline files."""
    return type(f"{component.__name__}Ingest", (ComponentIngest,), {"COMPONENT": component, "__module__": __name__})
