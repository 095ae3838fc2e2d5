"""The command every compiled Kubeflow task runs: TFX's v2 entrypoint, given an ExecutorInput it can read.

    python -m pipelines.kfp_entrypoint --executor_class_path X --json_serialized_invocation_args '{{$}}' \\
        --json_serialized_inputs_spec_args '{...}' [beam args]

KFP's driver hands the container two things TFX 1.16's entrypoint
(tfx/orchestration/kubeflow/v2/container/kubeflow_v2_run_executor.py) cannot read:
- output artifacts that are KFP's own: from KFP 2.5, `executor-logs` of type `system.Artifact`
  (backend/src/v2/driver/driver.go, "executor-logs", on by default). TFX imports every output's
  type as a Python class and fails with `ImportError: Could not import system.Artifact`. They are
  left out of what TFX sees; KFP's launcher, not the task, writes them.
- input artifacts typed `instanceSchema: ""` (backend/src/v2/metadata/client.go,
  `Schema: "", // TODO(Bobgy): figure out how to get schema`, 2.0.5 to HEAD), from which TFX reads
  the artifact's class and fails. Each gets the type its component declares, from the inputs spec
  TFX compiles into the command line.
Everything else reaches TFX's entrypoint unchanged.
"""
from __future__ import annotations

import json
import runpy
import sys
from typing import Any

TFX_ENTRYPOINT = "tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"
INVOCATION_FLAG = "--json_serialized_invocation_args"
INPUTS_SPEC_FLAG = "--json_serialized_inputs_spec_args"
# Schema titles of Kubeflow's own artifact types (system.Artifact, system.Model, ...); TFX's are tfx.*.
KFP_TYPE_PREFIX = "system."


def readable_by_tfx(executor_input: dict[str, Any], inputs_spec: dict[str, Any]) -> dict[str, Any]:
    """`executor_input` without KFP's own output artifacts and with every input artifact typed."""
    outputs = executor_input.get("outputs", {}).get("artifacts", {})
    for key in [key for key, listed in outputs.items() if _is_kfp_own(listed)]:
        print(f"tfxflow: leaving KFP's output artifact {key!r} to KFP's launcher", file=sys.stderr)
        del outputs[key]
    declared = inputs_spec.get("artifacts", {})
    for key, listed in executor_input.get("inputs", {}).get("artifacts", {}).items():
        for artifact in listed.get("artifacts", []):
            if not artifact.get("type", {}).get("instanceSchema") and not artifact.get("type", {}).get("schemaTitle"):
                artifact["type"] = declared[key]["artifactType"]
    return executor_input


def main(argv: list[str]) -> None:
    args = list(argv)
    invocation = args.index(INVOCATION_FLAG) + 1
    inputs_spec = json.loads(args[args.index(INPUTS_SPEC_FLAG) + 1]) if INPUTS_SPEC_FLAG in args else {}
    args[invocation] = json.dumps(readable_by_tfx(json.loads(args[invocation]), inputs_spec))
    sys.argv = [TFX_ENTRYPOINT, *args]
    runpy.run_module(TFX_ENTRYPOINT, run_name="__main__", alter_sys=True)


def _is_kfp_own(listed: dict[str, Any]) -> bool:
    artifacts = listed.get("artifacts", [])
    return any(a.get("type", {}).get("schemaTitle", "").startswith(KFP_TYPE_PREFIX) for a in artifacts)


if __name__ == "__main__":
    main(sys.argv[1:])
