"""Drift-check speed: `tfxflow drift` on 10,000 MNIST images against TFDV's idiomatic route.

    .venv/bin/python bench/drift_speed.py            # ~2 minutes; writes bench/drift_speed.json

The new data is MNIST's 10,000 test images; the baseline the training split's statistics (written
once, untimed). Each timed run is a child process, from its start to its exit:
- tfxflow: `tfxflow drift pipelines/mnist.yaml --data test.npz --baseline train.pb --json`;
- TFDV idiomatic: bench/tfdv_drift.py, TFDV's documented `generate_statistics_from_tfrecord` (a Beam
  job) on the same images as TFRecords, then `validate_statistics` with the same schema;
- floor: a process that only imports TFDV (with Keras 2, as tfxflow and TFX run TensorFlow).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.mnist_speed import PYTHON, REPO, TFXFLOW, timed  # noqa: E402

SHARED_MNIST = REPO.parent / "shared" / "data" / "mnist.npz"


def prepare(directory: Path) -> None:
    """The test split as an npz and as TFRecords, and the training split's statistics file."""
    import numpy as np
    import tensorflow as tf

    from tfxflow.components.npz_example_gen.mnist_npz import load_mnist, to_serialized_examples
    from tfxflow.pipelines.drift import new_data_statistics
    from tfxflow.pipelines.load import load_spec

    arrays = load_mnist(SHARED_MNIST)
    half = 5000
    new = directory / "test.npz"
    np.savez(new, x_train=arrays["x_test"][:half], y_train=arrays["y_test"][:half],
             x_test=arrays["x_test"][half:], y_test=arrays["y_test"][half:])
    train = directory / "train.npz"
    np.savez(train, x_train=arrays["x_train"], y_train=arrays["y_train"], x_test=arrays["x_train"][:1],
             y_test=arrays["y_train"][:1])
    baseline = directory / "train.pb"
    statistics, _, _ = new_data_statistics(load_spec(REPO / "pipelines" / "mnist.yaml"), train)
    baseline.write_bytes(statistics.SerializeToString())
    records = directory / "test.tfrecord"
    with tf.io.TFRecordWriter(str(records)) as writer:
        for record in to_serialized_examples(arrays["x_test"], arrays["y_test"]):
            writer.write(record)


def median_run(args: list[str], repeats: int) -> dict:
    runs = [timed(args) for _ in range(repeats)]
    return {"seconds": statistics.median(r["seconds"] for r in runs), "runs": [r["seconds"] for r in runs],
            "peak_mb": max(r["peak_mb"] for r in runs), "stdout": runs[-1]["stdout"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each command (default 5)")
    repeats = parser.parse_args().repeats
    with tempfile.TemporaryDirectory() as scratch:
        # In a child: a parent holding MNIST would lend its memory to every forked child's peak RSS.
        subprocess.run([PYTHON, __file__, "--prepare", scratch], check=True, stderr=subprocess.DEVNULL)
        new, records, baseline = (Path(scratch) / name for name in ("test.npz", "test.tfrecord", "train.pb"))
        tfxflow = median_run([TFXFLOW, "drift", "pipelines/mnist.yaml", "--data", str(new), "--baseline",
                              str(baseline), "--json"], repeats)
        idiomatic = median_run([PYTHON, "bench/tfdv_drift.py", str(records), str(baseline)], repeats)
        floor = median_run([PYTHON, "-c", "import tfxflow, tensorflow_data_validation"], repeats)  # Keras 2, as tfxflow
    result = json.loads(tfxflow.pop("stdout"))
    assert result["examples"] == 10000 and not result["drifted"], result
    assert json.loads(idiomatic.pop("stdout"))["drifted"] == result["drifted"]
    floor.pop("stdout")
    table = {"tfxflow drift": tfxflow, "TFDV idiomatic": idiomatic, "import TFDV only": floor}
    for row in table.values():
        row["ratio_to_idiomatic"] = round(row["seconds"] / idiomatic["seconds"], 2)
    (REPO / "bench" / "drift_speed.json").write_text(json.dumps(table, indent=2) + "\n")
    print(f"{'drift check of 10,000 MNIST images':<36} {'wall s (median of 5)':>20} {'ratio':>7} {'peak MB':>8}")
    for name, row in table.items():
        print(f"{name:<36} {row['seconds']:>20.1f} {row['ratio_to_idiomatic']:>7.2f} {row['peak_mb']:>8}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--prepare"]:
        prepare(Path(sys.argv[2]))
    else:
        main()
