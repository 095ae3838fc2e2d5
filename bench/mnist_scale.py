"""MNIST at 10x: 600,000 training images through the MNIST pipeline, against the 1x run.

    .venv/bin/python bench/mnist_scale.py          # ~20 minutes; writes bench/mnist_scale.json

The 10x data is built here, never committed: the 60,000 training images in ten copies, each shifted
by one or two pixels (np.roll; MNIST's borders are blank), the test split unchanged. Each run is a
first run on a fresh root, timed from its start to its exit; peak memory is the largest sum of the
resident sets of tfxflow's process and its children (Beam workers), sampled every 0.2 s. The
1x and 10x runs go with Beam's in-memory runner (the default) and its multi-processing runner on
both cores; the table gives the seconds per training image against the 1x default run.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

REPO = Path(__file__).resolve().parent.parent
TFXFLOW = str(Path(sys.executable).with_name("tfxflow"))
SHIFTS = [(1, 0), (-1, 0), (0, 1), (0, -1), (2, 0), (-2, 0), (0, 2), (0, -2), (1, 1), (-1, -1)]
BEAM = {"in_memory": [],  # the default: Beam's in-memory DirectRunner, one worker
        "multi_processing": ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]}


def write_scaled(source: Path, copies: int, path: Path) -> int:
    """`copies` shifted copies of `source`'s training images (and its test split) as an npz; their count."""
    with np.load(source, allow_pickle=False) as mnist:
        x_train, y_train = mnist["x_train"], mnist["y_train"]
        x_test, y_test = mnist["x_test"], mnist["y_test"]
    if copies == 1:
        x, y = x_train, y_train
    else:
        x = np.concatenate([np.roll(x_train, shift, axis=(1, 2)) for shift in SHIFTS[:copies]])
        y = np.tile(y_train, copies)
    np.savez(path, x_train=x, y_train=y, x_test=x_test, y_test=y_test)
    return len(x)


def tree_rss(process: psutil.Process) -> int:
    """Bytes resident in `process` and all its descendants now."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:  # ended between listing and reading
            pass
    return total


def run(npz: Path, root: Path, beam: list[str]) -> dict:
    """A first run of pipelines/mnist.yaml on `npz`: seconds, peak MB of its process tree, its summary's numbers."""
    return timed_run("pipelines/mnist.yaml", [f"ingest.path={npz}"], root, beam)


def timed_run(pipeline: str, overrides: list[str], root: Path, beam: list[str],
              beside: tuple[psutil.Process, ...] = ()) -> dict:
    """A first run of `pipeline` with `overrides` at `root` on the Beam arguments `beam`: its seconds, the peak
    MB of its process tree and of the `beside` processes' trees, its summary's numbers."""
    args = [TFXFLOW, "run", pipeline, "--json", "--set", f"run.root={root}", "--set", f"beam.args={json.dumps(beam)}"]
    for override in overrides:
        args += ["--set", override]
    started, peak = time.perf_counter(), 0
    with tempfile.TemporaryFile("w+") as stdout:
        child = subprocess.Popen(args, cwd=REPO, stdout=stdout, stderr=subprocess.DEVNULL, text=True)
        watched = [psutil.Process(child.pid), *beside]
        while child.poll() is None:
            peak = max(peak, sum(tree_rss(process) for process in watched))
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        stdout.seek(0)
        output = stdout.read()
    if child.returncode:
        raise SystemExit(f"{' '.join(args)} failed with exit code {child.returncode}")
    summary = json.loads(output)
    return {"seconds": round(seconds, 1), "peak_mb": round(peak / 2**20), "accuracy": summary["metrics"]["accuracy"],
            "blessed": summary["blessed"],
            "component_seconds": {c["name"]: c["seconds"] for c in summary["components"]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "mnist.npz")
    parser.add_argument("--copies", type=int, default=10, choices=range(2, len(SHIFTS) + 1))
    parser.add_argument("--beam", nargs="+", default=list(BEAM), choices=list(BEAM))
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "mnist_scale.json")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for copies in (1, args.copies):
            npz = scratch / f"mnist_{copies}x.npz"
            images = write_scaled(args.data.resolve(), copies, npz)
            for mode in args.beam:
                name = f"{copies}x {mode}"
                results[name] = {"training_images": images, **run(npz, scratch / name.replace(" ", "_"), BEAM[mode])}
                print(f"{name}: {results[name]['seconds']} s", file=sys.stderr)
            npz.unlink()
    baseline = next(iter(results.values()))
    per_image = baseline["seconds"] / baseline["training_images"]
    for result in results.values():
        result["time_per_image_ratio"] = round(result["seconds"] / result["training_images"] / per_image, 2)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'run':<22} {'images':>8} {'seconds':>8} {'per image':>10} {'peak MB':>8} {'accuracy':>9}")
    for name, result in results.items():
        print(f"{name:<22} {result['training_images']:>8} {result['seconds']:>8} {result['time_per_image_ratio']:>9}x "
              f"{result['peak_mb']:>8} {result['accuracy']:>9}")
    for name, result in results.items():
        print(f"{name}, per component: " + ", ".join(f"{k} {v} s" for k, v in result["component_seconds"].items()))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
