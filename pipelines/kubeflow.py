"""A pipeline file compiled for Kubeflow Pipelines: a KFP v2 PipelineSpec YAML that KFP's own API
server, driver and launcher accept, with every location checked to be one the cluster can read.

    compile_pipeline(load_spec("pipelines/mnist.yaml"), Path("mnist.yaml"), source=Path("pipelines/mnist.yaml"))

TFX's KubeflowV2DagRunner writes the spec; `finish_for_kfp` then makes it runnable on open-source
KFP 2.x (read from kubeflow/pipelines at 2.0.5, 2.5.0 and 2.17.0; each rule cites the file):
- every task starts through tfxflow's entrypoint (pipelines/kfp_entrypoint.py), which repairs what
  KFP hands a container and TFX's entrypoint cannot read;
- task-output parameters name their producer by its task key;
- the InputFingerprint task is never cached, so KFP's cache keys follow the content of the data;
- `defaultPipelineRoot` is `kubeflow.pipeline_root`, which KFP's UI puts into runs it starts;
- where a location is in an S3-compatible store (s3://, minio://), every task gets the AWS SDK's
  variables for it: the endpoint and region as container `env`, the credentials from a Kubernetes
  secret through KFP's Kubernetes platform spec (`secretAsEnv`, as the kfp-kubernetes extension
  writes it), in a second YAML document after the PipelineSpec.
Files of this project (the curated schemas) and of the user's project (the directory tfxflow runs
in: their schemas) are referred to relative to the image's working directory, where the
Dockerfile puts both; any other local path is refused.
"""
from __future__ import annotations

import copy
import os
from importlib import resources
from pathlib import Path
from typing import Any, Optional

import yaml

from tfxflow.components import object_store
from tfxflow.pipelines.load import SpecError
from tfxflow.pipelines.spec import KFP_STORE, PipelineSpec

ENTRYPOINT = ["python", "-m", "tfxflow.pipelines.kfp_entrypoint"]
FINGERPRINT_TASK = "InputFingerprint"
_SHARED_MOUNT_NOTE = "file:// only for a volume mounted at that path in every pod"


def cluster_spec(spec: PipelineSpec, source: Path) -> PipelineSpec:
    """`spec` with its locations as the cluster sees them; SpecError lists every location it cannot read."""
    problems = [f"{source}: {key}: required for Kubeflow: {what}" for key, what in _missing_settings(spec)]
    schema_file = spec.schema_file
    if isinstance(schema_file, Path):
        packaged = Path(str(resources.files("tfxflow.schemas"))).resolve()
        if schema_file.resolve().is_relative_to(packaged):
            schema_file = str(Path("schemas") / schema_file.resolve().relative_to(packaged))
        elif schema_file.resolve().is_relative_to(Path.cwd().resolve()):
            # a file of the user's project, which their image holds in its working directory (Dockerfile)
            schema_file = str(schema_file.resolve().relative_to(Path.cwd().resolve()))
        else:
            problems.append(_local_path_line(source, "schema_file", schema_file, "s3://bucket/schema.pbtxt"))
    problems += [f"{source}: {problem}" for problem in spec.ingest.cluster_problems()]
    problems += [_local_path_line(source, f"ingest.{key}", value, f"s3://bucket/{value.name}")
                 for key, value in spec.ingest if isinstance(value, Path)]
    if isinstance(spec.pusher.serving_dir, Path):
        problems.append(_local_path_line(source, "pusher.serving_dir", spec.pusher.serving_dir, "s3://bucket/serving"))
    s3 = _s3_locations(spec)
    if not spec.kubeflow.object_store.endpoint and {"s3", "minio"} <= {scheme for _, scheme in s3}:
        problems.append(f"{source}: {', '.join(sorted(key for key, _ in s3))}: s3:// and minio:// locations need two "
                        "endpoints, but every task has one (kubeflow.object_store.endpoint); expected one scheme: "
                        "minio:// for the Kubeflow installation's own store, s3:// for AWS")
    if problems:
        raise SpecError("\n".join(problems))
    return spec.model_copy(update={"schema_file": schema_file})


def compile_pipeline(spec: PipelineSpec, output: Path, source: Path) -> None:
    """Writes the KFP v2 PipelineSpec YAML of `spec` to `output`, whole or not at all."""
    spec = cluster_spec(spec, source)
    from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner as v2  # imports TFX: after the checks

    from tfxflow.pipelines.build import kubeflow_pipeline

    config = v2.KubeflowV2DagRunnerConfig(
        display_name=spec.name, default_image=spec.kubeflow.image, default_commands=ENTRYPOINT,
        use_pipeline_spec_2_1=True,
    )
    job = v2.KubeflowV2DagRunner(config).run(kubeflow_pipeline(spec), write_out=False)
    pipeline_spec = finish_for_kfp(job["pipelineSpec"], spec.kubeflow.pipeline_root)
    platform_spec = with_object_store(pipeline_spec, spec) if _s3_locations(spec) else None
    documents = [pipeline_spec, *([platform_spec] if platform_spec else [])]
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.stem}.{os.getpid()}.partial.yaml")  # beside, then renamed
    try:
        partial.write_text(yaml.safe_dump_all(documents, sort_keys=True))
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)


def finish_for_kfp(pipeline_spec: dict[str, Any], pipeline_root: str) -> dict[str, Any]:
    """The PipelineSpec TFX compiled, with what open-source KFP needs to run it (see the module doc)."""
    tasks = pipeline_spec["root"]["dag"]["tasks"]
    for task in tasks.values():
        for parameter in task.get("inputs", {}).get("parameters", {}).values():
            producer = parameter.get("taskOutputParameter")
            # TFX 1.16 names the producer `<id>_task` (tfx/orchestration/kubeflow/v2/step_builder.py,
            # `producer_task=channel.producer_component_id + '_task'`); KFP looks producers up by task
            # key and fails to compile the run otherwise: "unknown producer task" in
            # backend/src/v2/compiler/argocompiler/dag.go (addDep; 2.0.5 to HEAD).
            if producer and producer["producerTask"] not in tasks:
                producer["producerTask"] = producer["producerTask"].removesuffix("_task")
    # KFP caches a task only if cachingOptions.enableCache (backend/src/v2/driver/driver.go@2.5.0,
    # driver/cache.go@2.17.0): the fingerprints must be taken anew by every run.
    tasks[FINGERPRINT_TASK]["cachingOptions"] = {"enableCache": False}
    # KFP's backend never reads this (driver/root_dag.go: runtime_config.pipeline_root, else the
    # kfp-launcher ConfigMap, else minio://mlpipeline/v2/artifacts); its UI's run form starts from it
    # (frontend/src/pages/NewRunV2.tsx), so runs started there write where `tfxflow submit` does.
    pipeline_spec["defaultPipelineRoot"] = pipeline_root
    return pipeline_spec


def with_object_store(pipeline_spec: dict[str, Any], spec: PipelineSpec) -> Optional[dict[str, Any]]:
    """Gives every task of `pipeline_spec` the AWS SDK's variables for the spec's S3 locations: the
    endpoint and region as container `env` (PipelineContainerSpec.env, which KFP's driver puts on the
    pod: backend/src/v2/driver/driver.go, initPodSpecPatch, 2.5.0:463-469, 2.17.0:289-298), and
    returns the platform spec that takes the credentials from the Kubernetes secret (secretAsEnv, as
    kfp-kubernetes 2.17 writes it: kubernetes_platform/python/kfp/kubernetes/secret.py; the driver
    applies it in extendPodSpecPatch, driver.go@2.5.0:893-922, driver/k8s.go@2.17.0:347-393)."""
    store = spec.kubeflow.object_store
    schemes = {scheme for _, scheme in _s3_locations(spec)}
    data_schemes = {scheme for key, scheme in _s3_locations(spec) if key != "kubeflow.pipeline_root"}
    endpoint = store.endpoint or (KFP_STORE if "minio" in (data_schemes or schemes) else None)
    env = [*([{"name": "AWS_ENDPOINT_URL_S3", "value": endpoint}] if endpoint else []),
           *([{"name": "AWS_REGION", "value": store.region}] if store.region else [])]
    executors = pipeline_spec["deploymentSpec"]["executors"]
    for executor in executors.values():
        if env:
            executor["container"]["env"] = copy.deepcopy(env)  # no YAML anchors shared between tasks
    if store.secret is None:  # the pods have credentials of their own
        return None
    secret_as_env = [{
        "keyToEnv": [{"envVar": "AWS_ACCESS_KEY_ID", "secretKey": store.access_key},
                     {"envVar": "AWS_SECRET_ACCESS_KEY", "secretKey": store.secret_key}],
        "secretName": store.secret,
        "secretNameParameter": {"runtimeValue": {"constant": store.secret}},
    }]
    return {"platforms": {"kubernetes": {"deploymentSpec": {
        "executors": {label: {"secretAsEnv": copy.deepcopy(secret_as_env)} for label in executors}}}}}


def _s3_locations(spec: PipelineSpec) -> list[tuple[str, str]]:
    """(key, scheme) of each location in an S3-compatible store."""
    locations = {"kubeflow.pipeline_root": spec.kubeflow.pipeline_root, **spec.locations()}
    del locations["run.pipeline_root"]  # a local run's
    return [(key, object_store.scheme(value)) for key, value in locations.items()
            if isinstance(value, str) and object_store.scheme(value) in ("s3", "minio")]


def _missing_settings(spec: PipelineSpec) -> list[tuple[str, str]]:
    missing = []
    if not spec.kubeflow.image:
        missing.append(("kubeflow.image", "the container image built from this project's Dockerfile"))
    if not spec.kubeflow.pipeline_root:
        missing.append(("kubeflow.pipeline_root", "a URI the cluster writes artifacts under, e.g. "
                        "minio://mlpipeline/v2/artifacts (a default Kubeflow install) or gs://bucket/tfxflow"))
    return missing


def _local_path_line(source: Path, key: str, path: Path, example: str) -> str:
    return (
        f"{source}: {key}: {path} is a local path the cluster cannot read; "
        f"expected a URI such as {example} ({_SHARED_MOUNT_NOTE})"
    )
