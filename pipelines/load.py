"""Reading a pipeline file: safe YAML, `--set` overrides, and one error line per problem.

    spec = load_spec("pipelines/baker.yaml", ["trainer.epochs=1"])

Errors name the file, the line (where the key is in the file) and the dotted key path:
``pipelines/baker.yaml:7: trainer.epochs: expected a number >= 1, got -1``, or the `--set` that
set the value: ``--set trainer.epochs: ...``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tfxflow.components.errors import BadInput
from tfxflow.pipelines.spec import PipelineSpec, validate_spec

# A pipeline file is a few dozen settings: these bounds refuse huge files and alias bombs quickly.
MAX_FILE_BYTES = 1_000_000
MAX_NODES = 10_000


class SpecError(BadInput):
    """A pipeline file or override that cannot be used; each line of the message is one problem."""


class UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last one silently),
    and integers Python will not convert, as YAML errors at their line.

        data = yaml.load("epochs: 1\nepochs: 2\n", Loader=UniqueKeyLoader)   # ConstructorError at line 2
    """

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        try:
            return super().construct_yaml_int(node)
        except ValueError as error:  # over 4300 digits (sys.get_int_max_str_digits)
            raise yaml.constructor.ConstructorError(
                problem=str(error).split(";")[0], problem_mark=node.start_mark
            ) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *defaults` may repeat keys by design; other node kinds PyYAML refuses itself
            key = self.construct_object(key_node)
            if key in first:
                raise yaml.constructor.ConstructorError(
                    problem=f"duplicate key {key!r} (first at line {first[key].start_mark.line + 1})",
                    problem_mark=key_node.start_mark,
                )
            first[key] = key_node
        return super().construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", UniqueKeyLoader.construct_yaml_int)


def load_spec(path: str | Path, overrides: Iterable[str] = (), schema_required: bool = True) -> PipelineSpec:
    """Reads, overrides and validates the pipeline file at `path` (see validate_spec for `schema_required`)."""
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
        loader = UniqueKeyLoader(text)
        tree = loader.get_single_node()
        if _expanded_size(tree) > MAX_NODES:
            raise SpecError(
                f"{path}: expands to over {MAX_NODES:,} values (aliases included); expected a few dozen settings"
            )
        data = loader.construct_document(tree) if tree is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise SpecError(f"{where}: not valid YAML: {_problem(error)}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: expected a mapping of settings (name:, ingest:, ...) at the top level")
    overridden = [(apply_override(data, override).split("."), override) for override in overrides]
    try:
        return validate_spec(data, schema_required)
    except ValidationError as error:
        lines = [_error_line(path, tree, data, overridden, item) for item in error.errors()]
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


def _problem(error: yaml.YAMLError) -> str:
    """What is wrong, in one line (a ReaderError, e.g. for a NUL byte, has no `problem`)."""
    return " ".join(str(getattr(error, "problem", None) or error).split())


def apply_override(data: dict[str, Any], override: str) -> str:
    """Sets `a.b.c=VALUE` (VALUE read as YAML) in `data`; returns the dotted key."""
    key, sep, raw = override.partition("=")
    parts = key.strip().split(".")
    if not sep or not all(parts):
        raise SpecError(f"--set {override}: expected KEY=VALUE with a dotted KEY, e.g. trainer.epochs=1")
    try:
        value = yaml.load(raw, Loader=UniqueKeyLoader)
    except yaml.YAMLError as error:
        raise SpecError(f"--set {override}: the value is not valid YAML ({_problem(error)})") from None
    node = data
    for depth, part in enumerate(parts[:-1]):
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise SpecError(f"--set {override}: {'.'.join(parts[: depth + 1])} is not a section")
    node[parts[-1]] = value
    return ".".join(parts)


def _error_line(
    path: Path, tree: yaml.Node | None, data: dict[str, Any], overrides: list[tuple[list[str], str]],
    error: dict[str, Any],
) -> str:
    keys = [str(part) for part in error["loc"]]
    message = error["msg"].removeprefix("Value error, ")
    if not keys:  # a check across sections names its key at the start of its message
        match = re.match(r"([\w.]+): (.*)", message)
        if match:
            keys, message = match.group(1).split("."), match.group(2)
    dotted = ".".join(keys) or "(top level)"
    if error["type"] == "extra_forbidden":
        kind = data["ingest"].get("kind") if keys[0] == "ingest" else None
        message = f"unknown key for kind {kind!r}" if kind else "unknown key"
    elif error["type"] == "missing":
        message = "required key is missing"
    elif "input" in error and error["type"] != "value_error":
        message = f"{message}, got {error['input']!r}"
    line, found = _line_of(tree, keys)
    # The last --set on the error's path, or that made the part of the path the file lacks (a section a
    # --set created, in which a required key is missing): that value came from the command line.
    for override_keys, override in reversed(overrides):
        shared = min(len(override_keys), len(keys), found + 1)
        if keys and override_keys[:shared] == keys[:shared]:
            return f"--set {dotted}: {message}" if override_keys == keys else f"--set {override}: {dotted}: {message}"
    return f"{path}:{line}: {dotted}: {message}"


def _line_of(tree: yaml.Node | None, keys: list[str]) -> tuple[int, int]:
    """The line of the deepest of `keys` present in the file (1 when none is), and how many are."""
    line, node = 1, tree
    for found, part in enumerate(keys):
        if not isinstance(node, yaml.MappingNode):
            return line, found
        match = [(key, value) for key, value in node.value if key.value == part]
        if not match:
            return line, found
        key, node = match[0]
        line = key.start_mark.line + 1
    return line, len(keys)
