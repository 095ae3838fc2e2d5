"""MNIST speed: tfxflow's pipeline against the plain Keras script and TFX's idiomatic pipeline.

    .venv/bin/python bench/mnist_speed.py --pairs 3     # ~10 minutes; writes bench/mnist_speed.json

Every run is a child process of this one, timed from its start to its exit (a pushed model for
the pipelines); peak memory is the child's maximum resident set size. Two anchors: the plain Keras
script as the tutorial writes it, and the same script with tfxflow's AutoGraph rule
(`--tf-keras-rule`), the fastest plain script and so the fair comparison. Both, then tfxflow (a
first run, then its unchanged rerun) alternate in `--pairs` rounds; each tfxflow run's ratio is to
the anchors' runs of its round, and the table gives the medians. TFX's idiomatic pipeline runs once
(first and rerun), its ratio to the anchors' medians.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
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

    from tfxflow.components.served_model_evaluator.metrics import evaluation_outcome

    result = timed([PYTHON, "bench/tfx_idiomatic/pipeline.py", str(data), str(root)])
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(root / "metadata.sqlite")
    store = mlmd.MetadataStore(config)
    types = {t.id: t.name.rsplit(".", 1)[-1] for t in store.get_execution_types()}
    executions = sorted(store.get_executions(), key=lambda e: e.id)[-8:]  # this run's eight components
    result["executed"] = [types[e.type_id] for e in executions if e.last_known_state == e.COMPLETE]
    evaluation = max(store.get_artifacts_by_type("ModelEvaluation"), key=lambda a: a.id)
    metrics = evaluation_outcome(evaluation.uri)["metrics"]
    result["accuracy"] = metrics["sparse_categorical_accuracy"]  # its Keras metric, by TFMA's name
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


# The two anchors: the tutorial's script as written, and with the AutoGraph rule tfxflow's Trainer
# applies to itself (components/tf_keras_autograph.py): the fastest plain script, the fair one.
ANCHORS = {"plain_keras": [], "plain_keras_rule": ["--tf-keras-rule"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "mnist.npz")
    parser.add_argument("--pairs", type=int, default=3, help="paired rounds: both plain scripts, tfxflow, its rerun")
    parser.add_argument("--no-idiomatic", action="store_true", help="leave out TFX's idiomatic pipeline")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "mnist_speed.json")
    args = parser.parse_args()
    npz = args.data.resolve()
    runs: dict[str, list[dict]] = {**{anchor: [] for anchor in ANCHORS}, "tfxflow_first": [], "tfxflow_second": []}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for pair in range(args.pairs):  # both anchors, tfxflow, its rerun; again: the machine's drift hits all alike
            for anchor, flags in ANCHORS.items():
                plain = timed([PYTHON, "bench/plain_keras.py", str(npz), *flags])
                plain["accuracy"] = json.loads(plain["stdout"])["accuracy"]
                runs[anchor].append(plain)
            runs["tfxflow_first"].append(tfxflow_run(npz, scratch / f"tfxflow{pair}"))
            runs["tfxflow_second"].append(tfxflow_run(npz, scratch / f"tfxflow{pair}"))
        if not args.no_idiomatic:
            write_tfrecords(npz, scratch / "tfrecords")
            runs["tfx_idiomatic_first"] = [idiomatic_run(scratch / "tfrecords", scratch / "idiomatic")]
            runs["tfx_idiomatic_second"] = [idiomatic_run(scratch / "tfrecords", scratch / "idiomatic")]
    for result in (r for results in runs.values() for r in results):
        result.pop("stdout")
    summary = {name: summarize(results, runs) for name, results in runs.items()}
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{'run':<22} {'median s':>9} {'x plain':>8} {'x rule':>7} {'peak MB':>8} {'accuracy':>9}  executed")
    for name, result in summary.items():
        executed = ", ".join(result["executed"]) or "-"
        print(f"{name:<22} {result['median_seconds']:>9} {result['median_ratio_to_plain_keras']:>8} "
              f"{result['median_ratio_to_plain_keras_rule']:>7} {result['max_peak_mb']:>8} {result['accuracy']:>9}  "
              f"{executed}")
    components = summary["tfxflow_first"]["median_component_seconds"]
    print("tfxflow first run, median seconds per component: "
          + ", ".join(f"{k} {v}" for k, v in components.items())
          + f"; outside the components (start, imports, fingerprints, report) "
          f"{summary['tfxflow_first']['median_outside_components']}")
    print(f"{args.pairs} pairs; written to {args.out}")


def summarize(results: list[dict], runs: dict[str, list[dict]]) -> dict:
    """Medians of one kind of run, and its ratios to each anchor: a pair's ratio uses the anchor's run of
    the same round; a run made once (TFX's idiomatic pipeline) uses the anchor's median."""
    seconds = [r["seconds"] for r in results]
    summary = {"median_seconds": round(statistics.median(seconds), 1)}
    for anchor in ANCHORS:
        anchor_seconds = [r["seconds"] for r in runs[anchor]]
        if len(seconds) == len(anchor_seconds):
            ratios = [s / a for s, a in zip(seconds, anchor_seconds, strict=True)]
        else:
            ratios = [s / statistics.median(anchor_seconds) for s in seconds]
        summary[f"median_ratio_to_{anchor}"] = round(statistics.median(ratios), 2)
    summary |= {"max_peak_mb": max(r["peak_mb"] for r in results), "accuracy": results[-1]["accuracy"],
                "executed": results[-1].get("executed", [])}
    if "component_seconds" in results[0]:
        names = results[0]["component_seconds"]
        summary["median_component_seconds"] = {
            name: round(statistics.median(r["component_seconds"][name] for r in results), 2) for name in names}
        summary["median_outside_components"] = round(statistics.median(
            r["seconds"] - sum(r["component_seconds"].values()) for r in results), 1)
    return summary | {"runs": results}


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    main()
