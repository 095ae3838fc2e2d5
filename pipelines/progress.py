"""What a run shows on stderr while it works: each component as it starts and ends, the Trainer's
epochs as they finish, and a sign of life with the elapsed time while a component runs.

    with RunProgress() as progress:           # stderr a terminal: a live line (rich); else plain lines
        progress.started("Trainer")
        progress.epoch({"epoch": 3, "epochs": 10, "loss": 0.31, "accuracy": 0.91, "seconds": 4.2})
        progress.ended(report)

Epochs reach it as records of the `tfxflow.progress` logger (components/epoch_progress.py: the
Trainer logs one per epoch; `EpochLogHandler` forwards them), so a Trainer in a Kubeflow pod logs
the same lines to its pod's log. Nothing is written to stdout, which `--json` keeps for the summary.
"""
from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, Optional

from tfxflow.components.epoch_progress import epoch_line

if TYPE_CHECKING:
    from tfxflow.pipelines.summary import ComponentReport

# Plain lines: a component that runs this long says so, and again each time as long again.
QUIET_SECONDS = 10.0
WIDTH = 26  # the component name's column


class RunProgress:
    """Component and epoch progress on `stream` (stderr): rich's live status on a terminal, plain lines
    otherwise. `clock` and `tick` (seconds between looks) are for tests."""

    def __init__(self, stream: Optional[IO[str]] = None, clock: Callable[[], float] = time.monotonic,
                 tick: float = 1.0):
        self.stream = stream or sys.stderr
        self.clock, self.tick = clock, tick
        self.live = self.stream.isatty()
        self._lock = threading.Lock()
        self._running: Optional[str] = None
        self._since = self._said = 0.0
        self._detail = ""
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._status: Any = None
        if self.live:
            from rich.console import Console

            self._console = Console(file=self.stream, highlight=False)

    def __enter__(self) -> RunProgress:
        self._thread = threading.Thread(target=self._beat, name="tfxflow-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2 * self.tick)
        self._stop_status()

    def started(self, name: str) -> None:
        with self._lock:
            self._running, self._since, self._said, self._detail = name, self.clock(), self.clock(), ""
            if self.live:
                self._status = self._console.status(f"{name:<{WIDTH}} running")
                self._status.start()
            else:
                self._line(f"{name:<{WIDTH}} started")

    def epoch(self, epoch: dict[str, Any]) -> None:
        with self._lock:
            self._detail = epoch_line(epoch)
            self._said = self.clock()
            self._line(f"{self._running or 'Trainer':<{WIDTH}} {self._detail}")

    def ended(self, report: ComponentReport) -> None:
        with self._lock:
            self._stop_status()
            self._running = None
            self._line(f"{report.name:<{WIDTH}} {report.state:<7} {report.seconds:6.1f} s")

    def _beat(self) -> None:
        while not self._stop.wait(self.tick):
            self.beat()

    def beat(self) -> None:
        """One look at the running component: the live line's elapsed time, or a plain line when it
        has said nothing for QUIET_SECONDS."""
        with self._lock:
            if self._running is None:
                return
            elapsed = self.clock() - self._since
            if self.live and self._status is not None:
                detail = f"  {self._detail}" if self._detail else ""
                self._status.update(f"{self._running:<{WIDTH}} running {elapsed:5.0f} s{detail}")
            elif not self.live and self.clock() - self._said >= QUIET_SECONDS:
                self._said = self.clock()
                self._line(f"{self._running:<{WIDTH}} running {elapsed:5.0f} s")

    def _line(self, text: str) -> None:
        if self.live:
            self._console.print(text, markup=False)
        else:
            self.stream.write(text + "\n")
            self.stream.flush()

    def _stop_status(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


class EpochLogHandler(logging.Handler):
    """Forwards the `tfxflow.progress` logger's epoch records to a RunProgress."""

    def __init__(self, progress: RunProgress):
        super().__init__(logging.INFO)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        epoch = getattr(record, "epoch", None)
        if isinstance(epoch, dict):
            self.progress.epoch(epoch)
