"""The command every compiled Kubeflow task runs: TFX's v2 entrypoint, given an ExecutorInput it can read.

    python -m tfxflow.pipelines.kfp_entrypoint --executor_class_path X --json_serialized_invocation_args '{{$}}' \\
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
And it reads and writes the artifacts where KFP's launcher keeps them: before the command runs, the
launcher downloads every input artifact from the pipeline root's store to its local path (/gcs/,
/s3/ or /minio/ + bucket and key), and after, it uploads every output artifact from there
(backend/src/v2/component/launcher_v2.go: downloadArtifacts, uploadOutputArtifacts, LocalPathForURI;
2.5.0 and 2.17.0). TFX is given those paths, so it needs neither the store's endpoint nor its
credentials nor a filesystem for minio://, and the URIs it reports back are the artifacts' own
again (the launcher refuses an output URI outside the run's root). With a Beam runner that runs
elsewhere (Dataflow, Flink, Spark: `--runner` other than the DirectRunner), whose workers cannot
see the pod's disk, the artifacts stay at their URIs (minio:// read as s3://).
"""
from __future__ import annotations

import json
import re
import runpy
import sys
import traceback
from typing import Any, Callable

from tfxflow.components import object_store
from tfxflow.pipelines.beam_runners import runs_in_pod

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


def with_artifact_uris(executor_input: dict[str, Any], where: Callable[[str], str]) -> dict[str, Any]:
    """`executor_input` with every artifact's URI, input or output, replaced by `where(uri)`:

        with_artifact_uris(executor_input, object_store.launcher_path)   # the launcher's local copies
    """
    for side in ("inputs", "outputs"):
        for listed in executor_input.get(side, {}).get("artifacts", {}).values():
            for artifact in listed.get("artifacts", []):
                artifact["uri"] = where(artifact["uri"])
    return executor_input


def report_artifact_uris(output_file: str, uris: dict[str, str]) -> None:
    """Rewrites the executor output TFX wrote at `output_file` so that each artifact's `uri` is the
    one KFP provisioned (`uris`: what TFX was given -> the provisioned URI)."""
    from tfx.dsl.io import fileio

    if not fileio.exists(output_file):
        return
    with fileio.open(output_file, "r") as stream:
        output = json.loads(stream.read())
    for listed in output.get("artifacts", {}).values():
        for artifact in listed.get("artifacts", []):
            artifact["uri"] = uris.get(artifact.get("uri", ""), artifact.get("uri", ""))
    with fileio.open(output_file, "w") as stream:
        stream.write(json.dumps(output))


def main(argv: list[str]) -> None:
    args = list(argv)
    invocation = args.index(INVOCATION_FLAG) + 1
    inputs_spec = json.loads(args[args.index(INPUTS_SPEC_FLAG) + 1]) if INPUTS_SPEC_FLAG in args else {}
    executor_input = readable_by_tfx(json.loads(args[invocation]), inputs_spec)
    provisioned = _output_uris(executor_input)
    in_pod = runs_in_pod(args)
    # In the pod: the launcher's local copies; else where Beam's workers read them (minio:// as s3://).
    executor_input = with_artifact_uris(executor_input, object_store.launcher_path if in_pod else object_store.io_uri)
    given = _output_uris(executor_input)
    args[invocation] = json.dumps(executor_input)
    # Data or a serving directory in S3 (minio:// arrives as s3://): readable, and its buckets answering.
    object_store.prepare(*sorted(set(re.findall(r"s3://[^\s\"',\\]+", " ".join(args)))))
    sys.argv = [TFX_ENTRYPOINT, *args]
    try:
        runpy.run_module(TFX_ENTRYPOINT, run_name="__main__", alter_sys=True)
    except SystemExit as ended:  # absl's app.run ends with sys.exit, 0 on success
        if ended.code not in (None, 0):
            raise
    report_artifact_uris(executor_input["outputs"]["outputFile"],
                         {given[key]: uri for key, uri in provisioned.items() if given[key] != uri})


def _output_uris(executor_input: dict[str, Any]) -> dict[str, str]:
    outputs = executor_input.get("outputs", {}).get("artifacts", {})
    return {key: listed["artifacts"][0]["uri"] for key, listed in outputs.items() if listed.get("artifacts")}


def _is_kfp_own(listed: dict[str, Any]) -> bool:
    artifacts = listed.get("artifacts", [])
    return any(a.get("type", {}).get("schemaTitle", "").startswith(KFP_TYPE_PREFIX) for a in artifacts)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except SystemExit as ended:
        object_store.exit_process(ended.code)
    except object_store.StoreError as error:
        object_store.exit_process(f"tfxflow: {error}")
    except BaseException:  # reported as Python would, then ended through exit_process (S3's exit)
        traceback.print_exc()
        object_store.exit_process(1)
    object_store.exit_process(0)
