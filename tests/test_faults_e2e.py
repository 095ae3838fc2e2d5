"""Faults during real runs of the small baker pipeline: SIGKILL and Ctrl-C mid-component, two runs at once.

The moment to strike is read from MLMD (the component's execution is RUNNING), never from sleeps.
After each fault, rerunning the same command completes, reuses every component that had
completed, re-executes the interrupted one, and leaves exactly what a clean run leaves: one pushed
version, no staging leftovers, a model predicting as the clean run's.
"""
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import BAKER_SMALL, REPO, TFXFLOW, baker_probabilities, run_baker

pytestmark = [pytest.mark.faults, pytest.mark.e2e]
ORDER = ["BakerExampleGen", "ImportSchemaGen", "StatisticsGen", "ExampleValidator", "DriftGate", "Transform",
         "Trainer", "Evaluator", "Pusher"]
RUNNING = 2  # metadata_store_pb2.Execution.RUNNING


def baker_command(root: Path, *options: str) -> list[str]:
    args = [TFXFLOW, "run", "pipelines/baker.yaml", *options, "--set", f"run.root={root}"]
    for override in BAKER_SMALL:
        args += ["--set", override]
    return args


def start(root: Path) -> subprocess.Popen:
    return subprocess.Popen(baker_command(root), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def running(root: Path, component: str) -> bool:
    """Whether MLMD shows an execution of `component` in progress (read-only, never blocking the run)."""
    try:
        with sqlite3.connect(f"file:{root / 'metadata.sqlite'}?mode=ro", uri=True, timeout=0.05) as store:
            # each execution belongs to a "node" context named <pipeline>.<component id>
            rows = store.execute("SELECT c.name FROM Execution e JOIN Association a ON a.execution_id = e.id "
                                 "JOIN Context c ON c.id = a.context_id JOIN Type t ON c.type_id = t.id "
                                 "WHERE t.name = 'node' AND e.last_known_state = ?", (RUNNING,)).fetchall()
    except sqlite3.Error:
        return False
    return any(name.endswith(f".{component}") for (name,) in rows)


def interrupt_during(root: Path, component: str, signum: int) -> tuple[subprocess.Popen, Path]:
    """Starts a run under `root` and sends `signum` while `component` executes; returns it and its run root.

    A component can finish between two looks at MLMD; then the attempt is repeated on a fresh root.
    """
    for attempt in range(3):
        run_root = root / f"attempt{attempt}"
        process = start(run_root)
        while process.poll() is None:
            if running(run_root, component):
                if signum == signal.SIGKILL:
                    os.killpg(process.pid, signum)  # the whole process group, as the OOM killer or kill -9 would
                else:
                    process.send_signal(signum)
                process.wait(timeout=300)
                return process, run_root
            time.sleep(0.005)
        assert process.returncode == 0, process.stderr.read()[-2000:]
    pytest.fail(f"{component} finished too fast to be interrupted in 3 tries")


def states(summary):
    return {c["name"]: c["state"] for c in summary["components"]}


def only_one_version(root: Path) -> Path:
    entries = list((root / "serving").iterdir())
    assert len(entries) == 1 and entries[0].name.isdigit(), entries  # no second push, no staging leftovers
    return entries[0]


@pytest.mark.parametrize("component", ["BakerExampleGen", "Transform", "Trainer", "Evaluator", "Pusher"])
def test_sigkill_mid_component_then_rerun_resumes_and_pushes_once(tmp_path, component, baker_first_run):
    killed, root = interrupt_during(tmp_path, component, signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL
    code, summary, stderr = run_baker(root)
    assert code == 0 and summary["blessed"] is True, stderr[-2000:]
    resumed = states(summary)
    index = ORDER.index(component)
    assert all(resumed[name] == "cached" for name in ORDER[:index]), resumed  # completed work is reused
    assert all(resumed[name] == "ran" for name in ORDER[index:]), resumed  # the interrupted one is not
    version = only_one_version(root)
    assert summary["pushed_model"] == str(version)
    clean, _ = baker_probabilities(baker_first_run[1]["pushed_model"])
    resumed_probabilities = baker_probabilities(version)[0]
    # Each root generates its own examples, in a fixed order, and training is deterministic: the same model.
    np.testing.assert_allclose(resumed_probabilities, clean, atol=1e-6)


def test_ctrl_c_stops_with_one_line_and_the_next_run_resumes(tmp_path):
    interrupted, root = interrupt_during(tmp_path, "Trainer", signal.SIGINT)
    assert interrupted.returncode == 130
    last = interrupted.stderr.read().strip().splitlines()[-1]
    assert last.startswith("interrupted: the run stopped; run the same command to resume")
    code, summary, _ = run_baker(root)
    assert code == 0 and states(summary)["Transform"] == "cached" and states(summary)["Trainer"] == "ran"
    only_one_version(root)


def test_two_runs_at_once_on_one_root_both_finish_and_mlmd_stays_intact(tmp_path):
    """The first run is held (SIGSTOP) once it has the lock, until the second says it waits: the
    overlap is certain however slow the machine, not a race between their start-ups."""
    first = start(tmp_path)
    lock = tmp_path / ".run.lock"
    while not (lock.exists() and lock.read_text() == f"pid {first.pid}"):
        assert first.poll() is None
        time.sleep(0.01)
    os.kill(first.pid, signal.SIGSTOP)
    second = subprocess.Popen(baker_command(tmp_path, "--json"), cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    waiting = f"waiting for the other run at {tmp_path} (pid {first.pid}) to finish\n"
    try:
        assert waiting in iter(second.stderr.readline, "")  # said before it blocks on the lock
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert first.wait(timeout=900) == 0
    stdout, _ = second.communicate(timeout=900)
    assert second.returncode == 0 and set(states(json.loads(stdout)).values()) == {"cached"}
    only_one_version(tmp_path)
    with sqlite3.connect(tmp_path / "metadata.sqlite") as store:
        assert store.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_keep_retains_the_newest_versions_and_a_rerun_older_model_is_served_again(tmp_path):
    pushed = []
    for seed in range(3):  # three trainings, three blessed models
        code, summary, _ = run_baker(tmp_path, f"trainer.seed={seed}", "pusher.keep=2")
        assert code == 0
        pushed.append(Path(summary["pushed_model"]).name)
    assert sorted(p.name for p in (tmp_path / "serving").iterdir()) == sorted(pushed[-2:])
    # The first configuration again: its model comes from cache, is compared with the served one
    # (seed 2's), and is what is served afterwards.
    code, summary, _ = run_baker(tmp_path, "trainer.seed=0", "pusher.keep=2")
    assert code == 0 and states(summary)["Trainer"] == "cached" and states(summary)["Evaluator"] == "ran"
    assert summary["blessed"] is True and int(Path(summary["pushed_model"]).name) > int(pushed[-1])
    assert summary["served_model"] == summary["pushed_model"] and summary["serves_this_run"] is True
    kept = sorted(p.name for p in (tmp_path / "serving").iterdir())
    assert kept == sorted([pushed[-1], Path(summary["pushed_model"]).name])
