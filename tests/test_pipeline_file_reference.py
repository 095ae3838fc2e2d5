"""docs/pipeline-file.md is what the pipeline file's schema generates (pipelines/spec_reference.py); every
field of the spec and of the built-in ingest kinds has a description; the page's keys are the models' fields,
each once, with the models' types, defaults and bounds. A field without a description and a page one
character off are caught."""
import functools
import re
import types
import typing
from typing import Any, Optional

import yaml
from click.testing import CliRunner
from pydantic import BaseModel, Field

from conftest import REPO
from tfxflow.pipelines.spec import (
    INGEST_KINDS,
    NAME_PATTERN,
    ComponentIngest,
    IngestSettings,
    PipelineSpec,
    ingest_kind,
    validate_spec,
)
from tfxflow.pipelines.spec_reference import COMMAND, check, main, reference

PAGE = REPO / "docs" / "pipeline-file.md"
KIND_HEADING = "### ingest: kind "
COMPONENT_HEADING = "### ingest: your own ExampleGen component"


@functools.cache
def builtin_kinds() -> dict[str, type[IngestSettings]]:
    """The ingest kinds tfxflow itself registers, by name."""
    kinds = {name: ingest_kind(name) for name in INGEST_KINDS.names()}
    return {name: kind for name, kind in kinds.items() if kind.__module__.startswith("tfxflow.")}


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds: itself, or inside Optional, a union, list, dict or Annotated."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in models_in(arg)]


def is_container(annotation: Any) -> bool:
    """Whether a value of `annotation` is a list or a mapping (perhaps optional)."""
    origin = typing.get_origin(annotation)
    if origin in (list, dict):
        return True
    return origin in (typing.Union, types.UnionType) and any(map(is_container, typing.get_args(annotation)))


def undescribed(model: type[BaseModel], seen: Optional[set] = None) -> list[str]:
    """`Model.field` for every field without a description, in `model` and the models its fields hold."""
    seen = set() if seen is None else seen
    if model in seen:
        return []
    seen.add(model)
    missing = []
    for name, field in model.model_fields.items():
        if not (field.description or "").strip():
            missing.append(f"{model.__name__}.{name}")
        for inner in models_in(field.annotation):
            missing += undescribed(inner, seen)
    return missing


def leaf_fields(model: type[BaseModel]) -> set[tuple[type[BaseModel], str]]:
    """(model, field name) of every key of `model` the page shows as a row: every field but those that are
    sections themselves (whose fields are shown instead), and the fields of a list's or mapping's sections."""
    found = set()
    for name, field in model.model_fields.items():
        inner = models_in(field.annotation)
        if not inner or is_container(field.annotation):
            found.add((model, name))
        for section in inner:
            found |= leaf_fields(section)
    return found


def field_at(model: type[BaseModel], key: str) -> tuple[type[BaseModel], str]:
    """The model and field name a dotted page key names; `<name>` is any key of a mapping and `[]` any item of
    a list, and stand exactly after such a field. KeyError (or AssertionError) for a key that is not a field."""
    field, expect_member = None, False
    for part in key.replace("[]", ".[]").split("."):
        member = part == "[]" or part.startswith("<")
        assert member == expect_member, f"{key}: {part} where {'a' if expect_member else 'no'} placeholder belongs"
        if member:
            expect_member = False
            continue
        if field is not None:
            (model,) = models_in(field.annotation)
        name, field = {info.alias or name: (name, info) for name, info in model.model_fields.items()}[part]
        expect_member = is_container(field.annotation) and bool(models_in(field.annotation))
    return model, name


def page_rows(text: str) -> dict[str, dict[str, list[str]]]:
    """The page's tables by heading, each {key: [type, default, allowed, description]}; a key twice in one
    table is an error."""
    tables: dict[str, dict[str, list[str]]] = {}
    heading = ""
    for line in text.splitlines():
        if line.startswith("#"):
            heading = line
            tables[heading] = {}
        elif line.startswith("| `"):
            key, *cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
            key = key.strip("`")
            assert key not in tables[heading], f"{heading}: {key} listed twice"
            tables[heading][key] = cells
    return tables


def root_of(heading: str) -> tuple[type[BaseModel], str]:
    """The model the keys under `heading` are fields of, and the prefix its keys carry."""
    if heading.startswith(KIND_HEADING):
        return builtin_kinds()[heading.removeprefix(KIND_HEADING)], "ingest."
    if heading == COMPONENT_HEADING:
        return ComponentIngest, "ingest."
    return PipelineSpec, ""


def test_the_page_is_what_the_schema_generates():
    text = PAGE.read_text(encoding="utf-8") if PAGE.is_file() else ""
    assert text == reference(), f"docs/pipeline-file.md is out of date: run `{COMMAND}` in {REPO}"


def test_every_field_has_a_description():
    roots = [PipelineSpec, ComponentIngest, *builtin_kinds().values()]
    missing = [name for root in roots for name in undescribed(root)]
    assert not missing, f"fields without Field(description=...): {', '.join(missing)}"


def test_the_page_shows_every_key_once_and_only_keys():
    tables = page_rows(reference())
    for model, prefix in [(kind, "ingest.") for kind in builtin_kinds().values()] + [(ComponentIngest, "ingest.")]:
        heading = next(heading for heading in tables if root_of(heading)[0] is model)
        shown = {field_at(model, key.removeprefix(prefix)) for key in tables[heading]}
        assert all(key.startswith(prefix) for key in tables[heading]), heading
        assert shown == {(owner, name) for owner, name in leaf_fields(model) if name != "kind"}, heading
    spec_keys = [key for heading, rows in tables.items() if root_of(heading)[0] is PipelineSpec for key in rows]
    assert len(spec_keys) == len(set(spec_keys))
    assert {field_at(PipelineSpec, key) for key in spec_keys} == leaf_fields(PipelineSpec)
    for heading, rows in tables.items():  # each section's keys under the section's own heading
        section = heading.lstrip("# ")
        assert root_of(heading)[0] is not PipelineSpec or all(key.startswith(section) for key in rows), heading


def test_rows_show_the_types_defaults_and_bounds_of_the_models():
    tables = page_rows(reference())
    assert tables["## name"]["name"][:3] == ["string", "required", f"`{NAME_PATTERN}`"]
    assert tables["## ingest"]["ingest.kind"][2].startswith("`baker`, `csv`, `mnist`, `npz`, `sine`, `tfrecord`")
    assert tables["### ingest: kind csv"]["ingest.eval_fraction"][:3] == [
        "number", "`0.2`", "0.01 – 0.5; multiple of 0.01"]
    assert tables["### ingest: kind csv"]["ingest.path"][:2] == ["path, glob or URI", "required"]
    assert tables["### ingest: kind mnist"]["ingest.path"][0] == "path or URI"
    assert tables["### ingest: kind mnist"]["ingest.path"][1].startswith("Keras' download")
    assert tables["## trainer"]["trainer.epochs"][:3] == ["integer", "`10`", "1 – 10000"]
    assert tables["## trainer"]["trainer.learning_rate"][:3] == ["number", "`0.001`", "> 0; ≤ 10"]
    assert tables["## transform"]["transform.normalize"][2] == "`z_score`, `min_max`, `fixed_range`"
    assert tables["## run"]["run.root"][1] == "runs/\\<name>"  # the description's default:, < escaped
    assert tables["## run"]["run.cache"][:2] == ["boolean", "`true`"]
    assert tables["## evaluator"]["evaluator.change.<metric>.max_decrease"][:3] == ["number", "—", "≥ 0"]
    assert tables["## kubeflow.schedule"]["kubeflow.schedule.cron"][:2] == ["string", "required"]
    assert tables["## kubeflow.schedule"]["kubeflow.schedule.max_concurrency"][:3] == ["integer", "`1`", "1 – 10"]
    assert tables["## kubeflow.object_store"]["kubeflow.object_store.secret"][:2] == [
        "string or null", "`mlpipeline-minio-artifact`"]
    assert tables["## components"]["components[].class"][:2] == ["string", "required"]


def test_the_defaults_shown_are_what_a_file_validates_to():
    """Files setting every key the page shows a YAML default for (outside sections with a required key) to
    that default validate, and hold those values."""
    shown: dict[str, dict[str, Any]] = {}
    for heading, rows in page_rows(reference()).items():
        if heading.startswith("## ingest") or heading == COMPONENT_HEADING:
            continue
        if any(cells[1] == "required" for cells in rows.values()):
            continue
        kind = heading.removeprefix(KIND_HEADING) if heading.startswith(KIND_HEADING) else "baker"
        shown.setdefault(kind, {}).update({key: yaml.safe_load(default.strip("`")) for key, (_, default, *_)
                                           in rows.items() if default.startswith("`") and re.fullmatch(r"[\w.]+", key)})
    assert shown["baker"]["trainer.epochs"] == 10 and shown["baker"]["kubeflow.object_store.secret_key"]
    assert shown["sine"]["ingest.noise"] == 0.0 and not any("schedule" in key for key in shown["baker"])
    for kind, values in shown.items():
        data: dict[str, Any] = {"name": "reference", "ingest": {"kind": kind}}
        for key, value in values.items():
            *parents, last = key.split(".")
            target = data
            for parent in parents:
                target = target.setdefault(parent, {})
            target[last] = value
        spec = validate_spec(data).model_dump(mode="json", by_alias=True)
        for key, value in values.items():
            held = spec
            for part in key.split("."):
                held = held[part]
            assert held == value, (kind, key)


class _Inner(BaseModel):
    described: int = Field(1, description="a field with a description")
    bare: int = 2


class _Outer(BaseModel):
    name: str = Field("x", description="described")
    inner: Optional[_Inner] = Field(None, description="a section")
    items: list[_Inner] = []


def test_a_field_without_a_description_is_caught():
    assert undescribed(_Outer) == ["_Inner.bare", "_Outer.items"]


def test_a_page_one_character_off_is_reported(tmp_path):
    text = reference()
    at = text.index("passes over the training split")
    page = tmp_path / "docs" / "pipeline-file.md"
    done = CliRunner().invoke(main, [str(page)])
    assert done.exit_code == 0 and done.output.strip() == str(page) and page.read_text(encoding="utf-8") == text
    assert check(page) is None
    page.write_text(text[:at] + "P" + text[at + 1:], encoding="utf-8")
    problem = check(page)
    assert problem is not None and "\n" not in problem and COMMAND in problem
    done = CliRunner().invoke(main, ["--check", str(page)])
    assert done.exit_code == 1 and "differs" in done.output
    page.unlink()
    assert "missing" in check(page)
