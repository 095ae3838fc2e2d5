"""Ctrl-C stops a run at any moment: one line on stderr and exit status 130.

    with exit_130_on_ctrl_c("interrupted: run the same command to resume"):
        run_pipeline(spec, ...)

Python turns SIGINT into a KeyboardInterrupt wherever the main thread happens to be, and some
places swallow it: raised inside a finalizer (TensorFlow has many `__del__`s) it is printed as
"Exception ignored" and the run goes on. So the first Ctrl-C raises KeyboardInterrupt (the block's
`finally`s run: a push removes its staging copy) and arms a watchdog; if the process has not
stopped `grace_seconds` later, the watchdog ends it. A block that finishes although interrupted
exits 130 as well, and a second Ctrl-C ends the process at once. Ending it this way is safe:
MLMD commits in transactions, a version is published by one rename, the run lock is an flock the
kernel releases, and the next run resumes from the components that completed.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import NoReturn, Optional

EXIT_STATUS = 130  # 128 + SIGINT, as shells report it


@contextmanager
def exit_130_on_ctrl_c(message: str, grace_seconds: float = 5.0) -> Iterator[None]:
    """Runs the block; on SIGINT prints `message` once and exits 130, within `grace_seconds`."""
    interrupted = threading.Event()
    reported = threading.Lock()

    def stop(exit_now: bool) -> NoReturn:
        if reported.acquire(blocking=False):
            sys.stderr.write(message + "\n")
            sys.stderr.flush()
        if exit_now:
            os._exit(EXIT_STATUS)  # noqa: SLF001 (no unwinding: the main thread may never get there)
        sys.exit(EXIT_STATUS)

    def watchdog() -> None:
        threading.Event().wait(grace_seconds)
        stop(exit_now=True)

    def on_sigint(signum: int, frame: Optional[FrameType]) -> None:
        if interrupted.is_set():
            stop(exit_now=True)
        interrupted.set()
        threading.Thread(target=watchdog, name="ctrl-c-watchdog", daemon=True).start()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    except KeyboardInterrupt:
        stop(exit_now=False)
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted.is_set():  # the KeyboardInterrupt was swallowed, and the block finished anyway
        stop(exit_now=False)
