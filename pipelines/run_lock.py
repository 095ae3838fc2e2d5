"""One run at a time per run root: a second `tfxflow run` on the same root waits for the first.

    with exclusive_run(root, notify=print):
        run_pipeline(spec, ...)

The lock is an flock on `<root>/.run.lock`; the kernel releases it when its process ends, even by
SIGKILL, so a crashed run never blocks the next one.
"""
from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive_run(root: Path, notify: Callable[[str], None]) -> Iterator[None]:
    """Holds the run lock of `root`, waiting (after telling `notify` why) while another run holds it."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".run.lock", "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            notify(f"waiting for the other run at {root} ({handle.read().strip() or 'unknown process'}) to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        yield
