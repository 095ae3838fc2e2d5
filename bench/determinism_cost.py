"""What deterministic training costs: the MNIST Trainer's fit with and without TF's op determinism.

    .venv/bin/python bench/determinism_cost.py --pairs 3     # ~4 minutes; writes bench/determinism_cost.json

Each fit is a child process (op determinism is process-wide) training the pipeline's `mlp` with
the Trainer's compile settings, seed, shuffling and batch size on the full shared MNIST, pixels /
255. Runs are paired (off, on; then on, off; ...) and the ratio is of the medians. The weights'
sha256 shows what determinism buys: equal for every run with it.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def fit(data: Path, deterministic: bool, epochs: int) -> dict:
    """One training, in this process: fit seconds and the sha256 of the trained weights."""
    import time

    import numpy as np
    import tensorflow as tf

    from tfxflow.components.keras_training import STEPS_PER_EXECUTION
    from tfxflow.components.mnist_model.model import ARCHITECTURES
    from tfxflow.components.tf_keras_autograph import leave_tf_keras_unconverted

    leave_tf_keras_unconverted()  # as the Trainer does
    tf.keras.utils.set_random_seed(0)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    with np.load(data, allow_pickle=False) as mnist:
        x, y = mnist["x_train"].reshape(-1, 784).astype(np.float32) / 255, mnist["y_train"].astype(np.int64)
    train = tf.data.Dataset.from_tensor_slices(({"image": x}, y)).shuffle(10_000).batch(32)
    model = ARCHITECTURES["mlp"]({"image": (784,)})
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss=tf.keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[tf.keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                  steps_per_execution=STEPS_PER_EXECUTION)
    started = time.perf_counter()
    model.fit(train, epochs=epochs, verbose=0)
    seconds = time.perf_counter() - started
    weights = hashlib.sha256(b"".join(w.tobytes() for w in model.get_weights())).hexdigest()[:16]
    return {"fit_seconds": round(seconds, 2), "weights_sha256": weights}


def child(data: Path, deterministic: bool, epochs: int) -> dict:
    args = [sys.executable, __file__, "--child", "on" if deterministic else "off", "--data", str(data),
            "--epochs", str(epochs)]
    done = subprocess.run(args, capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "mnist.npz")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "determinism_cost.json")
    parser.add_argument("--child", choices=["on", "off"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(fit(args.data, args.child == "on", args.epochs)))
        return
    runs: dict[str, list[dict]] = {"off": [], "on": []}
    for pair in range(args.pairs):
        for setting in ("off", "on") if pair % 2 == 0 else ("on", "off"):
            runs[setting].append(child(args.data.resolve(), setting == "on", args.epochs))
            print(f"pair {pair + 1}: determinism {setting:<3} {runs[setting][-1]['fit_seconds']:>6} s "
                  f"weights {runs[setting][-1]['weights_sha256']}", flush=True)
    medians = {setting: statistics.median(r["fit_seconds"] for r in results) for setting, results in runs.items()}
    result = {
        "epochs": args.epochs, "pairs": args.pairs, "runs": runs,
        "median_fit_seconds": medians, "ratio_on_to_off": round(medians["on"] / medians["off"], 3),
        "identical_weights_with_determinism": len({r["weights_sha256"] for r in runs["on"]}) == 1,
        "identical_weights_without": len({r["weights_sha256"] for r in runs["off"]}) == 1,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"median fit: {medians['off']} s without, {medians['on']} s with op determinism "
          f"(x{result['ratio_on_to_off']}); identical weights with it: "
          f"{result['identical_weights_with_determinism']}, without: {result['identical_weights_without']}")
    print(f"written to {args.out}")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    main()
