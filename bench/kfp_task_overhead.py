"""Kubeflow's cost per task: each task is its own pod, a new Python process that starts before its executor does.

    .venv/bin/python bench/kfp_task_overhead.py     # ~4 minutes; writes bench/kfp_task_overhead.json

The baker pipeline runs twice on one fresh root each: locally (`tfxflow run --json`, each component's
seconds inside one process) and compiled for Kubeflow Pipelines, through the emulation of KFP 2.17's
driver and launcher that the tests use (tests/kfp_local_executor.py), against a real S3 API server
(tests/s3_server.py) holding the pipeline root and the serving directory. A task's seconds run from
the start of its launch to its outputs recorded (inputs downloaded, the container's command, outputs
uploaded); its overhead is that less the same component's seconds in the local run. Then what a task's
process imports before its executor runs, from `python -X importtime`: TensorFlow, TFX's v2 entrypoint
(which imports every standard component) and tfxflow's own entrypoint.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the emulation and the S3 server are the tests' own

from kfp_local_executor import KFP_2_17, KfpBackend, S3Bucket  # noqa: E402
from s3_server import S3Server  # noqa: E402

TFXFLOW = str(Path(sys.executable).with_name("tfxflow"))
SETTINGS = ["ingest.examples=2000", "ingest.eval_examples=500", "trainer.epochs=3"]
ENTRYPOINT_IMPORTS = ("tensorflow", "tfx.components", "tfxflow.pipelines.kfp_entrypoint")


class TimedBackend(KfpBackend):
    """The emulated backend, timing each task's launch (from its start to its outputs recorded)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seconds: dict[str, float] = {}

    def _launch(self, task, container, kubernetes, executor_input, root):
        started = time.perf_counter()
        execution = super()._launch(task, container, kubernetes, executor_input, root)
        self.seconds[task] = round(time.perf_counter() - started, 2)
        return execution


def local_seconds(root: Path) -> dict[str, float]:
    args = [TFXFLOW, "run", "pipelines/baker.yaml", "--json", "--set", f"run.root={root}"]
    for setting in SETTINGS:
        args += ["--set", setting]
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, check=True)
    return {c["name"]: c["seconds"] for c in json.loads(done.stdout)["components"]}


def kubeflow_seconds(s3: S3Server, work: Path) -> dict[str, float]:
    bucket = "mlpipeline"
    s3.create_bucket(bucket)
    compiled = work / "baker-kfp.yaml"
    args = [TFXFLOW, "compile", "pipelines/baker.yaml", "--output", str(compiled)]
    for setting in [*SETTINGS, f"pusher.serving_dir=minio://{bucket}/serving/baker",
                    "kubeflow.image=ghcr.io/acme/tfxflow:bench", f"kubeflow.pipeline_root=minio://{bucket}/v2/artifacts",
                    f"kubeflow.object_store.endpoint={s3.endpoint}",
                    "kubeflow.beam_args=[--direct_running_mode=in_memory, --direct_num_workers=1]"]:
        args += ["--set", setting]
    subprocess.run(args, cwd=REPO, check=True, capture_output=True)
    pod_env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "S3_"))}
    pod_env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    backend = TimedBackend(REPO, pod_env, S3Bucket(s3.endpoint, s3.access_key, s3.secret_key, bucket), KFP_2_17,
                           secrets={"mlpipeline-minio-artifact": {"accesskey": s3.access_key,
                                                                  "secretkey": s3.secret_key}})
    backend.run(compiled, f"minio://{bucket}/v2/artifacts")
    return backend.seconds


def import_seconds() -> dict[str, float]:
    """Cumulative seconds of the imports a task's process makes before its executor, by module."""
    code = ("import tfxflow.pipelines.kfp_entrypoint, tensorflow, "
            "tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor")
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    found = {}
    for line in done.stderr.splitlines():
        parts = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*(\S+)$", line)
        if parts and parts.group(2) in ENTRYPOINT_IMPORTS:
            found[parts.group(2)] = round(int(parts.group(1)) / 1e6, 2)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return found | {"all, wall": round(time.perf_counter() - started, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "kfp_task_overhead.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, S3Server() as s3:
        local = local_seconds(Path(scratch) / "local")
        emulated = kubeflow_seconds(s3, Path(scratch))
    tasks = {}
    for task, seconds in emulated.items():
        component = next((name for name in local if task.lower() == name.lower()), None)
        tasks[task] = {"kubeflow_seconds": seconds, "local_seconds": local.get(component),
                       "overhead_seconds": round(seconds - local[component], 2) if component else None}
    overheads = [t["overhead_seconds"] for t in tasks.values() if t["overhead_seconds"] is not None]
    result = {"tasks": tasks, "median_overhead_seconds": round(statistics.median(overheads), 2),
              "imports_seconds": import_seconds()}
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'task':<20} {'kubeflow s':>11} {'local s':>8} {'overhead s':>11}")
    for task, t in tasks.items():
        print(f"{task:<20} {t['kubeflow_seconds']:>11} {str(t['local_seconds']):>8} {str(t['overhead_seconds']):>11}")
    print(f"median overhead per task: {result['median_overhead_seconds']} s; a task's imports before its executor: "
          + ", ".join(f"{k} {v} s" for k, v in result["imports_seconds"].items()))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
