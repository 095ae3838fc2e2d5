"""What a run shows while it works (pipelines/progress.py; the epoch lines: components/epoch_progress.py),
with a clock the test moves: components as they start and end, epochs as they finish, and a line with
the elapsed time when a component has said nothing for QUIET_SECONDS; plain lines when stderr is not a
terminal, stdout untouched."""
import io
import logging

from tfxflow.components.epoch_progress import PROGRESS_LOGGER, epoch_line
from tfxflow.pipelines.progress import QUIET_SECONDS, EpochLogHandler, RunProgress
from tfxflow.pipelines.summary import ComponentReport


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_plain_lines_for_each_start_epoch_end_and_a_quiet_stretch():
    stream, clock = io.StringIO(), Clock()
    progress = RunProgress(stream, clock=clock)
    progress.started("StatisticsGen")
    clock.now += QUIET_SECONDS - 1
    progress.beat()  # not yet quiet for long
    clock.now += 2
    progress.beat()
    progress.beat()  # said just now
    progress.ended(ComponentReport("StatisticsGen", "ran", 11.0))
    progress.started("Trainer")
    progress.epoch({"epoch": 1, "epochs": 2, "loss": 0.5, "accuracy": 0.75, "val_accuracy": 0.7, "seconds": 3.25})
    progress.ended(ComponentReport("Trainer", "ran", 7.5))
    progress.beat()  # nothing runs: nothing to say
    assert stream.getvalue().splitlines() == [
        f"{'StatisticsGen':<26} started",
        f"{'StatisticsGen':<26} running    11 s",
        f"{'StatisticsGen':<26} ran       11.0 s",
        f"{'Trainer':<26} started",
        f"{'Trainer':<26} epoch 1/2  loss 0.5000  accuracy 0.7500  eval accuracy 0.7000  3.2 s",
        f"{'Trainer':<26} ran        7.5 s",
    ]


def test_epochs_logged_by_the_trainer_reach_the_progress_lines():
    stream = io.StringIO()
    progress = RunProgress(stream, clock=Clock())
    logger = logging.getLogger(PROGRESS_LOGGER)
    handler = EpochLogHandler(progress)
    logger.addHandler(handler)
    try:
        progress.started("Trainer")
        numbers = {"epoch": 3, "epochs": 3, "loss": 0.1, "accuracy": 0.99, "seconds": 1.0}
        logger.info(epoch_line(numbers), extra={"epoch": numbers})
        logger.info("not an epoch")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().splitlines()[-1] == f"{'Trainer':<26} epoch 3/3  loss 0.1000  accuracy 0.9900  1.0 s"


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_a_live_line_shows_the_running_component_and_the_lines_stay():
    stream, clock = Terminal(), Clock()
    with RunProgress(stream, clock=clock, tick=60) as progress:  # the test moves the clock, not the thread
        progress.started("Trainer")
        clock.now += 12
        progress.beat()
        progress.epoch({"epoch": 1, "epochs": 1, "loss": 0.5, "accuracy": 0.75, "seconds": 2.0})
        progress.ended(ComponentReport("Trainer", "ran", 12.0))
    text = stream.getvalue()
    assert "Trainer                    running    12 s" in text  # the live line, drawn again as it stops
    assert "Trainer                    epoch 1/1  loss 0.5000  accuracy 0.7500  2.0 s" in text
    assert "Trainer                    ran       12.0 s" in text
