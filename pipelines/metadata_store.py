"""Checking a local MLMD store (`<run.root>/metadata.sqlite`) before TFX or MLMD opens it.

    check_store(spec.run.root / "metadata.sqlite")   # StoreError if it cannot be read
    store = read_only_store(spec.run.root / "metadata.sqlite")   # for reading runs back
    store = writable_store(spec.run.root / "metadata.sqlite")    # for recording an unchanged rerun

MLMD reports a damaged SQLite file as a failed query deep inside whichever component opens it
first; this says which file it is and how to start over, in one line, before anything runs.
"""
from __future__ import annotations

import shlex
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from tfxflow.components.errors import BadInput

if TYPE_CHECKING:
    import ml_metadata as mlmd

# How long to wait for a run that is writing the store (SQLite's lock) before leaving the check to MLMD.
BUSY_SECONDS = 30.0


class StoreError(BadInput):
    """A metadata.sqlite that MLMD cannot use; the message is one line that says how to recover."""


def check_store(path: Path) -> None:
    """Raises StoreError unless `path` is absent, empty (MLMD creates a store in both) or an SQLite
    database whose structure `PRAGMA quick_check` finds whole.

    The connection may write: SQLite rolls back the journal a killed run left beside the file, as
    MLMD would on opening it (a read-only connection refuses such a file, which is not damaged).
    """
    if not path.is_file() or path.stat().st_size == 0:
        return
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=BUSY_SECONDS)) as db:
            problems = [row[0] for row in db.execute("PRAGMA quick_check(1)")]
    except sqlite3.DatabaseError as error:  # e.g. "file is not a database", "database disk image is malformed"
        if str(error) == "database is locked":  # a run is still writing it: busy, not damaged
            return
        problems = [str(error)]
    if problems != ["ok"]:
        aside = path.with_name(f"{path.name}.bad")
        raise StoreError(
            f"{path}: not a readable MLMD store ({' '.join(problems[0].split())}); move it aside to start a new "
            f"history (the serving directory is kept): mv {shlex.quote(str(path))} {shlex.quote(str(aside))}"
        )


def read_only_store(path: Path) -> mlmd.MetadataStore:
    """The MLMD store at `path`, opened read-only: reading runs back never writes a running one's store."""
    return _open(path, read_only=True)


def writable_store(path: Path) -> mlmd.MetadataStore:
    """The MLMD store at `path`, which must exist, opened to record in (an unchanged rerun's record)."""
    return _open(path, read_only=False)


def _open(path: Path, read_only: bool) -> mlmd.MetadataStore:
    import ml_metadata as mlmd
    from ml_metadata.proto import metadata_store_pb2

    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(path)
    config.sqlite.connection_mode = config.sqlite.READONLY if read_only else config.sqlite.READWRITE
    return mlmd.MetadataStore(config)
