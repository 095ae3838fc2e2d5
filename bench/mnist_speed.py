"""MNIST speed: tfxflow's pipeline against the plain Keras script and TFX's idiomatic pipeline.

    .venv/bin/python bench/mnist_speed.py            # ~10 minutes; writes bench/mnist_speed.json

Every run is a child process of this one, timed from its start to its exit (a pushed model for
the pipelines); peak memory is the child's maximum resident set size. Ratios are against the
plain Keras script measured in the same invocation.
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

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TFXFLOW = str(Path(PYTHON).with_name("tfxflow"))


def timed(args: list[str]) -> dict:
    """Runs `args`; wall seconds, peak RSS (MB) of the child, its stdout."""
    started = time.perf_counter()
    child = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    stdout = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(args)} failed with exit code {child.returncode}")
    seconds = round(time.perf_counter() - started, 1)
    return {"seconds": seconds, "peak_mb": round(usage.ru_maxrss / 1024), "stdout": stdout}


def write_tfrecords(npz: Path, directory: Path) -> None:
    """The npz as TFRecords of tf.Examples, the input TFX's idiomatic pipeline starts from (untimed)."""
    import tensorflow as tf

    from tfxflow.components.npz_example_gen.mnist_npz import load_mnist, to_serialized_examples

    arrays = load_mnist(npz)
    for split, (x_key, y_key) in {"train": ("x_train", "y_train"), "eval": ("x_test", "y_test")}.items():
        (directory / split).mkdir(parents=True)
        with tf.io.TFRecordWriter(str(directory / split / "data.tfrecord")) as writer:
            for record in to_serialized_examples(arrays[x_key], arrays[y_key]):
                writer.write(record)


def idiomatic_run(data: Path, root: Path) -> dict:
    """One run of baseline 2, with which components executed and the accuracy the Evaluator measured."""
    import ml_metadata as mlmd
    from ml_metadata.proto import metadata_store_pb2

    from tfxflow.pipelines.summary import candidate_metrics

    result = timed([PYTHON, "bench/tfx_idiomatic/pipeline.py", str(data), str(root)])
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(root / "metadata.sqlite")
    store = mlmd.MetadataStore(config)
    types = {t.id: t.name.rsplit(".", 1)[-1] for t in store.get_execution_types()}
    executions = sorted(store.get_executions(), key=lambda e: e.id)[-8:]  # this run's eight components
    result["executed"] = [types[e.type_id] for e in executions if e.last_known_state == e.COMPLETE]
    evaluation = max(store.get_artifacts_by_type("ModelEvaluation"), key=lambda a: a.id)
    result["accuracy"] = candidate_metrics(evaluation.uri)["accuracy"]
    return result


def tfxflow_run(npz: Path, root: Path) -> dict:
    result = timed([TFXFLOW, "run", "pipelines/mnist.yaml", "--json", "--set", f"ingest.path={npz}",
                    "--set", f"run.root={root}"])
    summary = json.loads(result["stdout"])
    result["accuracy"] = summary["metrics"]["accuracy"]
    result["executed"] = [c["name"] for c in summary["components"] if c["state"] == "ran"]
    result["component_seconds"] = {c["name"]: c["seconds"] for c in summary["components"]}
    result["blessed"] = summary["blessed"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "mnist.npz")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "mnist_speed.json")
    args = parser.parse_args()
    npz = args.data.resolve()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        results = {"plain_keras": timed([PYTHON, "bench/plain_keras.py", str(npz)])}
        results["plain_keras"]["accuracy"] = json.loads(results["plain_keras"]["stdout"])["accuracy"]
        write_tfrecords(npz, scratch / "tfrecords")
        results["tfx_idiomatic_first"] = idiomatic_run(scratch / "tfrecords", scratch / "idiomatic")
        results["tfx_idiomatic_second"] = idiomatic_run(scratch / "tfrecords", scratch / "idiomatic")
        results["tfxflow_first"] = tfxflow_run(npz, scratch / "tfxflow")
        results["tfxflow_second"] = tfxflow_run(npz, scratch / "tfxflow")
    base = results["plain_keras"]["seconds"]
    for result in results.values():
        result.pop("stdout")
        result["ratio_to_plain_keras"] = round(result["seconds"] / base, 2)
    results["tfxflow_second"]["ratio_to_first"] = round(
        results["tfxflow_second"]["seconds"] / results["tfxflow_first"]["seconds"], 2
    )
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'run':<22} {'seconds':>8} {'x plain':>8} {'peak MB':>8} {'accuracy':>9}  executed")
    for name, result in results.items():
        executed = ", ".join(result.get("executed", [])) or "-"
        print(f"{name:<22} {result['seconds']:>8} {result['ratio_to_plain_keras']:>8} {result['peak_mb']:>8} "
              f"{result['accuracy']:>9}  {executed}")
    print(f"written to {args.out}")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    main()
