"""Ctrl-C ends a run with one line and exit 130 even where Python swallows the KeyboardInterrupt
(pipelines/interrupts.py). Each case runs a small program, waits until it is inside the block and
sends SIGINT; the time limits are generous, for a machine whose cores are busy."""
import signal
import subprocess
import sys
import textwrap
import time

import pytest

PROGRAM = """
import sys, time
from tfxflow.pipelines.interrupts import exit_130_on_ctrl_c

def ready():
    print("inside", flush=True)

with exit_130_on_ctrl_c("interrupted: one line", grace_seconds={grace}):
    {body}
print("finished normally", flush=True)
"""
BODIES = {
    # the interrupt propagates: the block unwinds at once
    "propagates": "ready(); time.sleep(60)",
    # lost (as when raised in a finalizer, printed as 'Exception ignored'); the work goes on
    "swallowed, work goes on": """
    deadline, started = time.time() + 60, False
    while time.time() < deadline:
        try:
            if not started:
                started = True
                ready()
            time.sleep(0.05)
        except KeyboardInterrupt:
            pass
""",
    # swallowed, and the work ends before the watchdog: still not a success
    "swallowed, work ends": """
    for step in range(40):
        try:
            if step == 0:
                ready()
            time.sleep(0.05)
        except KeyboardInterrupt:
            pass
""",
}


def interrupt(body: str, grace: float = 5.0) -> tuple[int, str, str, float]:
    source = PROGRAM.format(grace=grace, body=textwrap.indent(textwrap.dedent(body).strip(), "    ").lstrip())
    process = subprocess.Popen([sys.executable, "-c", source], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    assert process.stdout.readline() == "inside\n"
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    return process.returncode, stdout, stderr, time.monotonic() - sent


@pytest.mark.parametrize("case", list(BODIES))
def test_ctrl_c_exits_130_with_one_line_however_the_interrupt_lands(case):
    code, stdout, stderr, seconds = interrupt(BODIES[case])
    assert code == 130 and "finished normally" not in stdout
    assert stderr.strip().splitlines()[-1] == "interrupted: one line"
    assert stderr.count("interrupted: one line") == 1
    assert seconds < 40  # the watchdog's 5 s, not the minute of work the block had left
    if case == "swallowed, work goes on":
        assert seconds >= 5  # it was the watchdog that ended it


def test_without_ctrl_c_the_block_runs_to_its_end():
    source = PROGRAM.format(grace=5, body="ready(); time.sleep(0.1)")
    done = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.splitlines() == ["inside", "finished normally"]
