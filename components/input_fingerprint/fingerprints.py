"""What a run's results depend on, as content fingerprints, and the served baselines they select.

    found = fingerprint_inputs(ingest='{"kind": "mnist"}', data_uri="gs://acme/mnist.npz",
                               schema_file="schemas/mnist/schema.pbtxt", settings='{"trainer": {...}}',
                               preprocessing_fn="tfxflow.components.mnist_model.preprocessing.preprocessing_fn",
                               run_fn="tfxflow.components.mnist_model.model.run_fn", model_fn="",
                               serving_dir="gs://acme-models/mnist")
    found.data, found.schema, found.transform_code, found.trainer_code, found.lineage, found.model_baseline

Orchestrators key their caches on paths and settings, not on what a file holds: new data at the
same URI, a schema edited in place or an edited model module would be cache hits. These
fingerprints are parameters of the components they concern (ExampleGen, ImportSchemaGen,
Transform, Trainer, DriftGate, Evaluator, Pusher), so both TFX's local cache and KFP's cache key
follow the content. The baselines are the served model, not a resolver's MLMD query:
- `model_baseline`: the newest served version of another lineage (a model trained from other data,
  schema, code or settings), which the Evaluator compares the candidate with;
- `drift_baseline`: the newest served version trained on other data, if it holds its training
  statistics, which the DriftGate compares the new training data with.
A version of the run's own lineage (or data) is skipped: it is what an unchanged rerun produced,
and comparing a model or data with itself says nothing; an unchanged rerun then sees the same
baselines as its first run and stays cached.
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tfxflow.components.atomic_pusher.versions import served_versions
from tfxflow.components.errors import BadInput
from tfxflow.components.fingerprint_parameter import Parameter
from tfxflow.components.npz_example_gen.mnist_npz import Npz
from tfxflow.components.object_store import filesystem
from tfxflow.components.user_code import from_working_directory

_BLOCK = 1 << 20


class InputError(BadInput):
    """An input the run depends on cannot be read; the message is one line."""


@dataclass(frozen=True)
class Fingerprints:
    """Hex sha256 fingerprints, and the baselines as served version directories ("": none)."""

    data: Parameter
    schema: Parameter
    transform_code: Parameter  # the preprocessing_fn's module and what it imports from its package
    trainer_code: Parameter  # the run_fn's module and what it imports from its package
    lineage: Parameter
    drift_baseline: Parameter
    model_baseline: Parameter


def fingerprint_inputs(
    ingest: str, data_uri: str, schema_file: str, settings: str, preprocessing_fn: str, run_fn: str,
    model_fn: str, serving_dir: str
) -> Fingerprints:
    """Fingerprints of the ingestion (`ingest` settings and the content at `data_uri`, if any), the
    schema file's content, the code of the `preprocessing_fn` and of the `run_fn` with the user's
    `model_fn` (package.module:function, or "" for a built-in model) (import paths: their modules and
    what those import from their own packages), and the lineage (all of those plus the training
    `settings`); and the served baselines."""
    data = _digest(ingest.encode(), content_digest(data_uri, "ingest.path").encode() if data_uri else b"")
    schema = content_digest(schema_file, "schema_file")
    transform_code = code_digest([preprocessing_fn.rpartition(".")[0]])
    trainer_code = code_digest([run_fn.rpartition(".")[0], *([model_fn.partition(":")[0]] if model_fn else [])])
    lineage = _digest(*(value.encode() for value in (data, schema, settings, transform_code, trainer_code)))
    # Each scan reads records newest first and stops at the first match: a long serving history
    # costs a read or two, not one per version.
    model_baseline = next(
        (v.path for v in served_versions(serving_dir) if v.record is None or v.record.lineage != lineage), ""
    )
    trained_elsewhere = next(
        (v for v in served_versions(serving_dir) if v.record is None or v.record.data != data), None
    )
    drift_baseline = ""
    if trained_elsewhere is not None and filesystem(trained_elsewhere.statistics).exists(trained_elsewhere.statistics):
        drift_baseline = trained_elsewhere.path
    return Fingerprints(data, schema, transform_code, trainer_code, lineage, drift_baseline, model_baseline)


def content_digest(uri: str, key: str) -> str:
    """sha256 of a file's bytes, or of a directory's or a glob's files (relative paths and contents, in
    order). An .npz counts by its arrays: re-exporting the same arrays (new zip timestamps) is not new data."""
    files = filesystem(uri)
    wildcard = re.search(r"[*?\[]", uri)
    if wildcard:
        head = uri[: wildcard.start()].rpartition("/")[0]
        found = sorted(files.glob(uri))
        if not found:
            raise InputError(f"{key}: {uri}: matches no files")
        return _digest(*(f"{f[len(head):]}\0{_file_digest(f)}".encode() for f in found))
    if files.isdir(uri):
        names = sorted(
            os.path.relpath(os.path.join(directory, name), uri)
            for directory, _, found in files.walk(uri)
            for name in found
        )
        return _digest(*(f"{name}\0{_file_digest(os.path.join(uri, name))}".encode() for name in names))
    if not files.exists(uri):
        raise InputError(f"{key}: {uri}: no such file or directory")
    return _npz_digest(uri) if uri.endswith(".npz") else _file_digest(uri)


def _npz_digest(path: str) -> str:
    """sha256 over the archive's arrays, by key, of their dtype, shape and data, streamed; each array's
    zip entry and header are checked first (mnist_npz.Npz), so a file that lies about its sizes is
    refused with an NpzError instead of inflated."""
    parts = []
    with Npz(path) as npz:
        for key in sorted(npz.keys):
            member = npz.member(key)
            digest = hashlib.sha256(f"{member.dtype.str}{member.shape}".encode())
            rows = max(1, _BLOCK // max(1, math.prod(member.shape[1:]) * member.dtype.itemsize))
            for piece in npz.chunks(member, rows):
                digest.update(piece.tobytes())
            parts.append(f"{key}\0{digest.hexdigest()}".encode())
    return _digest(*parts)


def code_digest(modules: Sequence[str]) -> str:
    """sha256 of the source of `modules` and of every module they import from their own top-level
    packages (so a model's code and the project helpers it uses count; TensorFlow does not)."""
    files = source_files(modules)
    if not files:
        raise InputError(f"code: module {', '.join(modules)} not found from {os.getcwd()}")
    return _digest(*(f"{name}\0{_file_digest(str(files[name]))}".encode() for name in sorted(files)))


def source_files(modules: Sequence[str]) -> dict[str, Path]:
    """The .py files of `modules` (a package: all of its modules) and, transitively, of the modules
    they import from the same top-level packages (an imported package: its __init__.py), by name
    (`components/keras_training.py`); found by path, so nothing is imported."""
    from_working_directory()  # where a user's model package lives
    roots = {top: _locations(top) for top in {module.split(".")[0] for module in modules}}
    found: dict[str, Path] = {}
    pending = [(module, True) for module in modules]
    while pending:
        module, whole_package = pending.pop()
        for path in _module_files(module, roots, whole_package):
            location, top = _root_of(path, roots)
            name = str(Path(top, path.relative_to(location)))
            if name not in found:
                found[name] = path
                pending += [(imported, False) for imported in _imports(path, top, location)
                            if imported.split(".")[0] in roots]
    return found


def _locations(top: str) -> list[Path]:
    spec = importlib.util.find_spec(top)  # a top-level name: found, not imported
    if spec is None:
        raise InputError(f"code: module {top} is not importable from {os.getcwd()}")
    return [Path(p) for p in spec.submodule_search_locations or []] or [Path(spec.origin).parent]


def _module_files(name: str, roots: dict[str, list[Path]], whole_package: bool) -> list[Path]:
    """A module's file; a package's `__init__.py` (what importing it runs), or all its files."""
    top, _, rest = name.partition(".")
    for location in roots[top]:
        base = location.joinpath(*rest.split(".")) if rest else location
        if base.is_dir():
            return sorted(base.rglob("*.py")) if whole_package else [p for p in [base / "__init__.py"] if p.is_file()]
        if base.with_suffix(".py").is_file():
            return [base.with_suffix(".py")]
    return []  # not a module: a name imported from one (`from pkg.module import name`)


def _root_of(path: Path, roots: dict[str, list[Path]]) -> tuple[Path, str]:
    return next((location, top) for top, locations in roots.items() for location in locations
                if path.is_relative_to(location))


def _imports(path: Path, top: str, location: Path) -> Iterable[str]:
    """The absolute module names a file imports, and `module.name` for each `from module import name`."""
    package = [top, *path.relative_to(location).parent.parts]
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the file's package, one level up per extra dot
                base = ".".join([*package[: len(package) - node.level + 1], *([base] if base else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _file_digest(path: str) -> str:
    digest = hashlib.sha256()
    with filesystem(path).open(path, "rb") as stream:
        for block in iter(lambda: stream.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()
