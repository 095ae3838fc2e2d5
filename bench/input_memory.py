"""Peak memory of `tfxflow predict` and `tfxflow drift` as their input grows, which reading a batch at a time
keeps flat: CSV files of 10**3 and 10**6 rows, and TFRecord files of 10**3 examples and of about 1 GB, for the
churn model of docs/your-pipeline.md (trained here on 1,500 rows, 2 epochs: its quality does not matter).

    .venv/bin/python bench/input_memory.py      # about 15 minutes; writes bench/input_memory.json

Each command is a child process, timed from its start to its exit, its output sent to /dev/null; peak
memory is its maximum resident set. drift reads TFRecords as a tfrecord pipeline of the same schema does,
against the churn model's training statistics.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TFXFLOW = str(Path(sys.executable).with_name("tfxflow"))
PIPELINE = """name: churn
ingest: {kind: csv, path: customers.csv}
label: {key: plan}
schema_file: schema.pbtxt
trainer: {epochs: 2}
"""
RECORDS = PIPELINE.replace("{kind: csv, path: customers.csv}", "{kind: tfrecord, path: small.tfrecord}")
REGIONS = ("north", "south", "east", "west")


def write_rows(path: Path, rows: int, label: bool, seed: int = 0) -> Path:
    """A churn-like CSV of `rows` rows (with the label column `plan` if `label`), written as it goes."""
    chance = random.Random(seed)
    with path.open("w") as file:
        file.write("age,income,region,tenure" + (",plan\n" if label else "\n"))
        for _ in range(rows):
            income, tenure, region = chance.gauss(50, 15), chance.randrange(20), chance.choice(REGIONS)
            plan = "basic" if income / 10 + tenure / 4 < 7 else "pro"
            file.write(f"{chance.randrange(18, 80)},{income:.2f},{region},{tenure}" + (f",{plan}\n" if label else "\n"))
    return path


def write_tfrecords(path: Path, csv: Path, gigabytes: float) -> tuple[Path, int]:
    """The CSV's rows as tf.Examples (typed as the model's schema types them), repeated to `gigabytes`."""
    import tensorflow as tf

    from tfxflow.components.file_example_gen.csv_rows import csv_examples

    records = csv_examples([str(csv)], {"age": "INT", "income": "FLOAT", "region": "BYTES", "tenure": "INT"})
    written = count = 0
    with tf.io.TFRecordWriter(str(path)) as writer:
        while count == 0 or written < gigabytes * 1e9:
            for record in records:
                writer.write(record)
            written += sum(len(record) + 16 for record in records)
            count += len(records)
    return path, count


def measured(project: Path, examples: int, *command: str) -> dict:
    """One tfxflow `command`, which must answer for all `examples` (predict: a line each; drift: its count):
    wall seconds, peak RSS (MB)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        child = subprocess.Popen([TFXFLOW, *command], cwd=project, stdout=output, stderr=subprocess.PIPE)
        stderr = child.stderr.read().decode()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = round(time.perf_counter() - started, 1)
        output.seek(0)
        answered = (json.loads(output.read())["examples"] if command[0] == "drift"
                    else sum(chunk.count(b"\n") for chunk in iter(lambda: output.read(1 << 20), b"")))
    if os.waitstatus_to_exitcode(status) not in (0, 1) or answered != examples:  # drift: 1 is its verdict
        raise SystemExit(f"{' '.join(command)}: {answered} of {examples} examples: {stderr[-2000:]}")
    return {"seconds": seconds, "peak_mb": round(usage.ru_maxrss / 1024)}


def commands(path: Path) -> dict[str, list[str]]:
    """The predict and drift commands of one input."""
    pipeline = "churn.yaml" if path.suffix == ".csv" else "records.yaml"
    baseline = ["--baseline", str(next(Path("runs/churn/serving").glob("*/assets.extra/train_statistics.pb")))]
    return {"predict": ["predict", "--model", "runs/churn/serving", "--input", str(path)],
            "drift": ["drift", pipeline, "--data", str(path), "--json", *baseline]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gigabytes", type=float, default=1.0, help="size of the large TFRecord file (default 1)")
    gigabytes = parser.parse_args().gigabytes
    with tempfile.TemporaryDirectory(prefix="predict-memory-") as scratch:
        project = Path(scratch)
        write_rows(project / "customers.csv", 1500, label=True)
        (project / "churn.yaml").write_text(PIPELINE)
        (project / "records.yaml").write_text(RECORDS)
        for command in (["schema", "infer", "churn.yaml", "--output", "schema.pbtxt"], ["run", "churn.yaml"]):
            subprocess.run([TFXFLOW, *command], cwd=project, check=True, capture_output=True)
        small = write_rows(project / "small.csv", 1000, label=False, seed=1)
        inputs = {
            "CSV, 10^3 rows": (small, 1000),
            "CSV, 10^6 rows": (write_rows(project / "large.csv", 10**6, label=False, seed=2), 10**6),
            "TFRecords, 10^3 examples": write_tfrecords(project / "small.tfrecord", small, 0),
            f"TFRecords, {gigabytes:g} GB": write_tfrecords(project / "large.tfrecord", small, gigabytes),
        }
        os.chdir(project)
        table = {f"{command} {name}": {"examples": count, "megabytes": round(path.stat().st_size / 1e6, 1),
                                       **measured(project, count, *args)}
                 for name, (path, count) in inputs.items() for command, args in commands(path).items()}
    (REPO / "bench" / "input_memory.json").write_text(json.dumps(table, indent=2) + "\n")
    print(f"{'command and input':<34} {'examples':>12} {'MB':>9} {'wall s':>8} {'peak RSS MB':>12}")
    for name, row in table.items():
        print(f"{name:<34} {row['examples']:>12,} {row['megabytes']:>9,.1f} {row['seconds']:>8} {row['peak_mb']:>12}")


if __name__ == "__main__":
    main()
