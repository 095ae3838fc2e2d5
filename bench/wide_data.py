"""A wide table end to end: `schema infer` and `run` on a CSV of 1,000 numeric columns x 10,000 rows (a label
linear in them), timed as a user runs them, with the run's seconds per component and each command's peak
memory, beside the plain Keras script that trains the same model on the same CSV (bench/plain_table.py).
The target is under 5 minutes and 3 GB for the run.

    .venv/bin/python bench/wide_data.py                         # about 6 minutes; writes bench/wide_data.json
    .venv/bin/python bench/wide_data.py --columns 5000 --rows 200

Each command is a child process, timed from its start to its exit; peak memory is its maximum resident
set (the run's Beam jobs run in that process). The run trains the built-in mlp for 5 epochs.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
TFXFLOW = str(Path(sys.executable).with_name("tfxflow"))
PIPELINE = """name: wide
ingest: {kind: csv, path: wide.csv}
label: {key: label}
schema_file: wide.pbtxt
trainer: {model: mlp, epochs: 5}
"""
LIMITS = {"seconds": 300, "peak_mb": 3000}  # the run's target


def write_table(path: Path, columns: int, rows: int) -> None:
    """Normal columns f0.. and a 0/1 label from a random linear function of them, written 1,000 rows at a time."""
    rng = np.random.default_rng(0)
    weights = rng.normal(size=columns)
    with path.open("w") as file:
        file.write(",".join(f"f{i}" for i in range(columns)) + ",label\n")
        for start in range(0, rows, 1000):
            values = rng.normal(size=(min(1000, rows - start), columns))
            labels = (values @ weights > 0).astype(int)
            np.savetxt(file, np.column_stack([values, labels]), fmt=["%.4f"] * columns + ["%d"], delimiter=",")


def measured(project: Path, *command: str) -> tuple[dict, str]:
    """One command (a tfxflow one unless it names a program), which must succeed: wall seconds, peak RSS
    (MB), and what it printed."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as errors:
        argv = list(command) if command[0] == sys.executable else [TFXFLOW, *command]
        child = subprocess.Popen(argv, cwd=project, stdout=output, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = round(time.perf_counter() - started, 1)
        output.seek(0), errors.seek(0)
        stdout, stderr = output.read().decode(), errors.read().decode()
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(command)}: exit {os.waitstatus_to_exitcode(status)}: {stderr[-2000:]}")
    return {"seconds": seconds, "peak_mb": round(usage.ru_maxrss / 1024)}, stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--columns", type=int, default=1000, help="numeric columns (default 1000)")
    parser.add_argument("--rows", type=int, default=10_000, help="rows (default 10000)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wide-data-") as scratch:
        project = Path(scratch)
        write_table(project / "wide.csv", options.columns, options.rows)
        (project / "wide.yaml").write_text(PIPELINE)
        infer, _ = measured(project, "schema", "infer", "wide.yaml", "--output", "wide.pbtxt")
        run, stdout = measured(project, "run", "wide.yaml", "--json")
        plain, printed = measured(project, sys.executable, str(REPO / "bench" / "plain_table.py"), "wide.csv")
    summary = json.loads(stdout)
    result = {"columns": options.columns, "rows": options.rows, "schema infer": infer, "run": run,
              "plain script": {**plain, **json.loads(printed)},
              "components": {part["name"]: part["seconds"] for part in summary["components"]},
              "accuracy": summary["metrics"]["accuracy"]}
    if (options.columns, options.rows) == (1000, 10_000):
        (REPO / "bench" / "wide_data.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"{options.columns:,} numeric columns x {options.rows:,} rows")
    print(f"{'command':<14} {'wall s':>8} {'x plain':>8} {'peak RSS MB':>12} {'accuracy':>9}")
    for name, accuracy in (("schema infer", ""), ("run", f"{result['accuracy']:.4f}"),
                           ("plain script", f"{result['plain script']['accuracy']:.4f}")):
        row = result[name]
        print(f"{name:<14} {row['seconds']:>8} {row['seconds'] / plain['seconds']:>8.2f} {row['peak_mb']:>12} "
              f"{accuracy:>9}")
    parts = result["components"].items()
    print("run, by component: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in parts))
    within = run["seconds"] < LIMITS["seconds"] and run["peak_mb"] < LIMITS["peak_mb"]
    print(f"run {'within' if within else 'OVER'} the target of {LIMITS['seconds']} s and {LIMITS['peak_mb']} MB")


if __name__ == "__main__":
    main()
