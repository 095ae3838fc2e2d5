"""The run history's MLMD store (pipelines/metadata_store.py): a damaged metadata.sqlite is refused in
one line that says how to recover; a new, healthy, busy or interrupted one is not."""
import os
import sqlite3
import subprocess
import sys

import pytest

from tfxflow.pipelines.metadata_store import StoreError, check_store

pytestmark = pytest.mark.faults


def sqlite_store(path, rows=2000):
    """An SQLite file of many pages, with MLMD's version table, as MLMD 1.16 leaves it."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE MLMDEnv (schema_version INTEGER PRIMARY KEY)")
        db.execute("INSERT INTO MLMDEnv VALUES (10)")
        db.execute("CREATE TABLE Context (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
        db.executemany("INSERT INTO Context (name) VALUES (?)", [(f"baker.run-{i:06d}",) for i in range(rows)])
    db.close()
    return path


def refusal(path):
    with pytest.raises(StoreError) as refused:
        check_store(path)
    return str(refused.value)


def verdict(path):
    """check_store's one line refusing `path`, or "accepted"."""
    try:
        check_store(path)
    except StoreError as refused:
        return str(refused)
    return "accepted"


def test_no_store_an_empty_file_and_a_healthy_store_pass(tmp_path):
    # MLMD creates a missing store, and its tables in an empty file
    missing, empty = tmp_path / "metadata.sqlite", tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    healthy = sqlite_store(tmp_path / "healthy.sqlite")
    pages = healthy.read_bytes()
    assert [verdict(path) for path in (missing, empty, healthy)] == ["accepted"] * 3
    assert not missing.exists() and empty.read_bytes() == b"" and healthy.read_bytes() == pages  # left as they were


def test_random_bytes_are_refused_naming_the_file_and_how_to_recover(tmp_path):
    path = tmp_path / "runs" / "baker" / "metadata.sqlite"
    path.parent.mkdir(parents=True)
    path.write_bytes(os.urandom(50_000))
    assert refusal(path) == (
        f"{path}: not a readable MLMD store (file is not a database); move it aside to start a new history "
        f"(the serving directory is kept): mv {path} {path}.bad"
    )


@pytest.mark.parametrize("kept", [50, 4096, 0.5, -4096])
def test_a_truncated_store_is_refused(tmp_path, kept):
    whole = sqlite_store(tmp_path / "whole.sqlite").read_bytes()
    path = tmp_path / "metadata.sqlite"
    path.write_bytes(whole[: int(len(whole) * kept) if isinstance(kept, float) else kept])
    assert refusal(path).startswith(f"{path}: not a readable MLMD store (database disk image is malformed); ")


def test_a_damaged_page_inside_the_store_is_refused(tmp_path):
    path = sqlite_store(tmp_path / "metadata.sqlite")
    data = bytearray(path.read_bytes())
    data[-4096:-4000] = b"\xff" * 96  # the header of the last b-tree page
    path.write_bytes(bytes(data))
    message = refusal(path)
    assert "not a readable MLMD store (" in message and "\n" not in message


def test_a_path_with_spaces_is_quoted_in_the_command(tmp_path):
    path = tmp_path / "my runs" / "metadata.sqlite"
    path.parent.mkdir()
    path.write_bytes(b"not sqlite" * 1000)
    assert refusal(path).endswith(f"mv '{path}' '{path}.bad'")


def test_the_journal_of_a_killed_run_is_rolled_back_not_refused(tmp_path):
    path = sqlite_store(tmp_path / "metadata.sqlite")
    # A writer killed mid-transaction, with pages already spilled into the file: a hot journal.
    killed = ("import os, sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute('PRAGMA cache_size=1'); "
              "db.execute('BEGIN'); db.execute(\"UPDATE Context SET name = name || '-renamed'\"); os._exit(9)")
    subprocess.run([sys.executable, "-c", killed, str(path)], check=False)
    assert (tmp_path / "metadata.sqlite-journal").stat().st_size > 0
    with pytest.raises(sqlite3.OperationalError, match="readonly"):  # why the check does not open read-only
        sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute("PRAGMA quick_check").fetchall()
    check_store(path)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM Context WHERE name LIKE '%-renamed'").fetchone() == (0,)
    db.close()


def test_a_store_a_run_is_writing_is_not_refused(tmp_path, monkeypatch):
    path = sqlite_store(tmp_path / "metadata.sqlite")
    monkeypatch.setattr("tfxflow.pipelines.metadata_store.BUSY_SECONDS", 0.1)
    writer = sqlite3.connect(path)
    writer.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="^database is locked$"):  # what the check meets
            sqlite3.connect(path, timeout=0).execute("PRAGMA quick_check").fetchall()
        assert verdict(path) == "accepted"
        writer.execute("INSERT INTO Context (name) VALUES ('baker.run-writing')")
        writer.commit()  # the run's transaction, undisturbed by the check
    finally:
        writer.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM Context").fetchone() == (2001,)
    db.close()


def test_run_on_a_damaged_store_stops_before_any_component_with_one_line(tmp_path):
    from conftest import REPO, TFXFLOW

    store = tmp_path / "metadata.sqlite"
    store.write_bytes(os.urandom(8192))
    done = subprocess.run([TFXFLOW, "run", "pipelines/baker.yaml", "--set", f"run.root={tmp_path}"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2 and "started" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"{store}: not a readable MLMD store (file is not a database); move it aside to start a new history (the "
        f"serving directory is kept): mv {store} {store}.bad"]
    assert not (tmp_path / "serving").exists()
