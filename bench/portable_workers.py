"""What Beam's portable path costs on one machine: the baker and 10x MNIST pipelines with their Beam jobs on
two external SDK workers, against Beam's in-memory DirectRunner (the default), in paired runs.

    .venv/bin/python bench/portable_workers.py --pairs 3     # ~25 minutes; writes bench/portable_workers.json

The portable runs submit to tests/beam_job_service.py (Beam's job service, two workers a job) and get their
workers from Beam's worker pool (worker_pool_main, its default command: `python` on PATH, here the venv's),
each its own process, as a Flink task manager's pool would. Each run is a first run on a fresh root, timed
from start to exit; peak memory is the largest sum of the resident sets of tfxflow's process, the job
service, the pool and their children (the workers), sampled every 0.2 s. Pairs alternate which runner goes
first; the ratio is of the medians. 10x MNIST is bench/mnist_scale.py's data (600,000 shifted images).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from mnist_scale import timed_run, write_scaled

REPO = Path(__file__).resolve().parent.parent
TFXFLOW = str(Path(sys.executable).with_name("tfxflow"))
WORKERS = 2


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def start_services(log_dir: Path) -> tuple[list[psutil.Process], list[str]]:
    """The job service and the worker pool, started and answering; their processes and the Beam arguments
    that send a pipeline's jobs to them."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "TF_USE_LEGACY_KERAS": "1"}  # the pool's workers run `python` from PATH; TFMA loads Keras 2 models
    job_port, pool_port = _port(), _port()
    commands = [([sys.executable, str(REPO / "tests" / "beam_job_service.py"), "--port", str(job_port)], job_port),
                ([sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main", f"--service_port={pool_port}"],
                 pool_port)]
    processes = []
    for command, port in commands:
        with open(log_dir / f"{port}.log", "w") as log:
            processes.append(psutil.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env))
        deadline = time.monotonic() + 120
        while not _answers(port):
            if time.monotonic() > deadline:
                for process in processes:
                    process.kill()
                raise SystemExit(f"{' '.join(command)} did not answer on port {port}")
            time.sleep(0.2)
    args = ["--runner=PortableRunner", f"--job_endpoint=localhost:{job_port}", "--environment_type=EXTERNAL",
            f"--environment_config=localhost:{pool_port}", f"--direct_num_workers={WORKERS}"]
    return processes, args


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "mnist.npz")
    parser.add_argument("--pairs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "portable_workers.json")
    args = parser.parse_args()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        npz = scratch / "mnist_10x.npz"
        images = write_scaled(args.data.resolve(), 10, npz)
        services, portable = start_services(scratch)
        cases = {"baker": ("pipelines/baker.yaml", []),
                 "mnist 10x": ("pipelines/mnist.yaml", [f"ingest.path={npz}"])}
        try:
            for case, (pipeline, overrides) in cases.items():
                runs: dict[str, list[dict]] = {"direct": [], "portable": []}
                for pair in range(args.pairs):
                    order = ["direct", "portable"] if pair % 2 == 0 else ["portable", "direct"]
                    for runner in order:
                        root = scratch / f"{case}_{runner}_{pair}".replace(" ", "_")
                        runs[runner].append(timed_run(pipeline, overrides, root,
                                                      [] if runner == "direct" else portable, tuple(services)))
                        print(f"{case} {runner}: {runs[runner][-1]['seconds']} s", file=sys.stderr)
                medians = {runner: statistics.median(r["seconds"] for r in listed) for runner, listed in runs.items()}
                results[case] = {"pairs": args.pairs, "runs": runs, "median_seconds": medians,
                                 "portable_over_direct": round(medians["portable"] / medians["direct"], 2),
                                 **({"training_images": images} if case.startswith("mnist") else {})}
        finally:
            for process in services:
                process.terminate()
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'pipeline':<10} {'direct s':>9} {'portable s':>11} {'ratio':>6} {'direct MB':>10} {'portable MB':>12}")
    for case, result in results.items():
        peaks = {runner: max(r["peak_mb"] for r in listed) for runner, listed in result["runs"].items()}
        print(f"{case:<10} {result['median_seconds']['direct']:>9} {result['median_seconds']['portable']:>11} "
              f"{result['portable_over_direct']:>5}x {peaks['direct']:>10} {peaks['portable']:>12}")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
