"""Reading a pipeline file: safe YAML, `--set` overrides, and one error line per problem.

    spec = load_spec("pipelines/baker.yaml", ["trainer.epochs=1"])

Errors name the file, the line (where the key is in the file) and the dotted key path:
``pipelines/baker.yaml:7: trainer.epochs: expected a number >= 1, got -1``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipelines.spec import PipelineSpec


# A pipeline file is a few dozen settings: these bounds refuse huge files and alias bombs quickly.
MAX_FILE_BYTES = 1_000_000
MAX_NODES = 10_000


class SpecError(ValueError):
    """A pipeline file or override that cannot be used; each line of the message is one problem."""


def load_spec(path: str | Path, overrides: Iterable[str] = ()) -> PipelineSpec:
    """Reads, overrides and validates the pipeline file at `path`."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SpecError(f"{path}: {size:,} bytes; expected a pipeline file under {MAX_FILE_BYTES:,}")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise SpecError(f"{path}: cannot read the pipeline file ({reason})") from None
    try:
        tree = yaml.compose(text, Loader=yaml.SafeLoader)
        if _expanded_size(tree) > MAX_NODES:
            raise SpecError(
                f"{path}: expands to over {MAX_NODES:,} values (aliases included); expected a few dozen settings"
            )
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise SpecError(f"{where}: not valid YAML: {getattr(error, 'problem', None) or error}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: expected a mapping of settings (name:, ingest:, ...) at the top level")
    overridden = {apply_override(data, override) for override in overrides}
    try:
        return PipelineSpec.model_validate(data)
    except ValidationError as error:
        lines = [_error_line(path, tree, overridden, item) for item in error.errors()]
        raise SpecError("\n".join(lines)) from None


def _expanded_size(tree: yaml.Node | None) -> int:
    """How many values the document holds with every alias expanded; stops counting past MAX_NODES."""
    count, stack = 0, [tree] if tree is not None else []
    while stack and count <= MAX_NODES:
        node = stack.pop()
        count += 1
        if isinstance(node, yaml.MappingNode):
            stack.extend(child for pair in node.value for child in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return count


def apply_override(data: dict[str, Any], override: str) -> str:
    """Sets `a.b.c=VALUE` (VALUE read as YAML) in `data`; returns the dotted key."""
    key, sep, raw = override.partition("=")
    parts = key.strip().split(".")
    if not sep or not all(parts):
        raise SpecError(f"--set {override}: expected KEY=VALUE with a dotted KEY, e.g. trainer.epochs=1")
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        raise SpecError(f"--set {override}: the value is not valid YAML") from None
    node = data
    for depth, part in enumerate(parts[:-1]):
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise SpecError(f"--set {override}: {'.'.join(parts[: depth + 1])} is not a section")
    node[parts[-1]] = value
    return ".".join(parts)


def _error_line(path: Path, tree: yaml.Node | None, overridden: set[str], error: dict[str, Any]) -> str:
    keys = _key_path(tree, error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if not keys:  # a check across sections names its key at the start of its message
        match = re.match(r"([\w.]+): (.*)", message)
        if match:
            keys, message = match.group(1).split("."), match.group(2)
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):  # e.g. ingest.kind
        keys = [*keys, error["ctx"]["discriminator"].strip("'")]
    dotted = ".".join(keys) or "(top level)"
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] in ("missing", "union_tag_not_found"):
        message = "required key is missing"
    elif error["type"] == "union_tag_invalid":
        message = f"expected one of {error['ctx']['expected_tags']}, got {error['ctx']['tag']!r}"
    elif "input" in error and error["type"] != "value_error":
        message = f"{message}, got {error['input']!r}"
    if any(dotted == key or dotted.startswith(f"{key}.") for key in overridden):
        return f"--set {dotted}: {message}"
    return f"{path}:{_line_of(tree, keys)}: {dotted}: {message}"


def _key_path(tree: yaml.Node | None, loc: tuple[Any, ...]) -> list[str]:
    """The loc of a pydantic error as the keys a person wrote (drops union tags such as 'baker')."""
    keys: list[str] = []
    node = tree
    for part in loc:
        part = str(part)
        if isinstance(node, yaml.MappingNode):
            children = {key.value: value for key, value in node.value}
            if part not in children and children.get("kind") is not None and children["kind"].value == part:
                continue
            node = children.get(part)
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
        else:
            node = None
        keys.append(part)
    return keys


def _line_of(tree: yaml.Node | None, keys: list[str]) -> int:
    """The line of the deepest of `keys` present in the file (1 when none is)."""
    line, node = 1, tree
    for part in keys:
        if not isinstance(node, yaml.MappingNode):
            break
        match = [(key, value) for key, value in node.value if key.value == part]
        if not match:
            break
        key, node = match[0]
        line = key.start_mark.line + 1
    return line
