"""How fast the small commands answer: `validate`, `runs` and `compile`, against the floors they stand on.

    .venv/bin/python bench/cli_speed.py --rounds 5     # ~3 minutes; writes bench/cli_speed.json

Each round runs, as child processes timed from start to exit: the interpreter alone (`python -c
pass`), `tfxflow validate pipelines/baker.yaml`, `tfxflow runs pipelines/baker.yaml` (on a root
with two runs, made first and not timed), importing what compiling for Kubeflow cannot do without
(TFX's components and its KubeflowV2DagRunner: the floor of `compile`), and `tfxflow compile`. The
table gives medians over the rounds and each command's ratio to its floor in the same round.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TFXFLOW = str(Path(PYTHON).with_name("tfxflow"))
SMALL = ["--set", "ingest.examples=400", "--set", "ingest.eval_examples=100", "--set", "trainer.epochs=1"]
KUBEFLOW = ["--set", "kubeflow.image=registry.example/tfxflow:bench", "--set", "kubeflow.pipeline_root=gs://b/root",
            "--set", "pusher.serving_dir=gs://b/serving"]
TFX_FLOOR = ("import tfx.components, tfxflow.components.atomic_pusher.component; "
             "from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner")


def seconds(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "cli_speed.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = ["--set", f"run.root={scratch}/baker"]
        for _ in range(2):  # two runs for `runs` to list (the second from cache)
            subprocess.run([TFXFLOW, "run", "pipelines/baker.yaml", *root, *SMALL], cwd=REPO, check=True,
                           capture_output=True)
        commands = {
            "python -c pass": [PYTHON, "-c", "pass"],
            "tfxflow validate": [TFXFLOW, "validate", "pipelines/baker.yaml"],
            "tfxflow runs": [TFXFLOW, "runs", "pipelines/baker.yaml", *root],
            "import TFX's compiler (floor)": [PYTHON, "-c", TFX_FLOOR],
            "tfxflow compile": [TFXFLOW, "compile", "pipelines/baker.yaml", "--output", f"{scratch}/b.yaml", *KUBEFLOW],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, command in commands.items():
                times[name].append(seconds(command))
    floor = {"tfxflow validate": "python -c pass", "tfxflow runs": "python -c pass",
             "tfxflow compile": "import TFX's compiler (floor)"}
    results = {}
    for name, values in times.items():
        result = {"median_s": round(statistics.median(values), 2), "runs_s": [round(v, 2) for v in values]}
        if name in floor:
            ratios = [v / b for v, b in zip(values, times[floor[name]], strict=True)]
            result[f"ratio_to {floor[name]}"] = round(statistics.median(ratios), 2)
        results[name] = result
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'command':<32} {'median s':>9} {'x floor':>8}")
    for name, result in results.items():
        ratio = next((v for k, v in result.items() if k.startswith("ratio_to")), "")
        print(f"{name:<32} {result['median_s']:>9} {ratio:>8}")
    print(f"{args.rounds} rounds; written to {args.out}")


if __name__ == "__main__":
    main()
