"""A pipeline file compiled for Kubeflow Pipelines: a KFP v2 PipelineSpec YAML written by TFX's
KubeflowV2DagRunner, with every location checked to be one the cluster can read.

    compile_pipeline(load_spec("pipelines/baker.yaml"), Path("baker.yaml"), source=Path("pipelines/baker.yaml"))

Files of this project (the curated schemas) are referred to relative to the image's working
directory, where the Dockerfile puts the project; any other local path is refused.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from pipelines.load import SpecError
from pipelines.spec import PipelineSpec

# The working directory of the image the Dockerfile builds: the project itself.
PROJECT_DIR_IN_IMAGE = "/tfxflow"
_SHARED_MOUNT_NOTE = "file:// only for a volume mounted at that path in every pod"


def cluster_spec(spec: PipelineSpec, source: Path) -> PipelineSpec:
    """`spec` with its locations as the cluster sees them; SpecError lists every location it cannot read."""
    problems = [f"{source}: {key}: required for Kubeflow: {what}" for key, what in _missing_settings(spec)]
    schema_file = spec.schema_file
    if isinstance(schema_file, Path):
        packaged = Path(str(resources.files("schemas"))).resolve()
        if schema_file.resolve().is_relative_to(packaged):
            schema_file = str(Path("schemas") / schema_file.resolve().relative_to(packaged))
        else:
            problems.append(_local_path_line(source, "schema_file", schema_file, "gs://bucket/schema.pbtxt"))
    if spec.ingest.kind == "mnist" and spec.ingest.path is None:
        problems.append(f"{source}: ingest.path: not set; the cluster needs the .npz at a URI, e.g. gs://bucket/mnist.npz")
    elif isinstance(getattr(spec.ingest, "path", None), Path):
        problems.append(_local_path_line(source, "ingest.path", spec.ingest.path, "gs://bucket/mnist.npz"))
    if isinstance(spec.pusher.serving_dir, Path):
        problems.append(_local_path_line(source, "pusher.serving_dir", spec.pusher.serving_dir, "gs://bucket/serving"))
    if problems:
        raise SpecError("\n".join(problems))
    return spec.model_copy(update={"schema_file": schema_file})


def compile_pipeline(spec: PipelineSpec, output: Path, source: Path) -> None:
    """Writes the KFP v2 PipelineSpec YAML of `spec` to `output`, whole or not at all."""
    spec = cluster_spec(spec, source)
    from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner as v2  # imports TFX: after the checks

    from pipelines.build import build_pipeline

    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.stem}.{os.getpid()}.partial.yaml")  # beside, then renamed
    try:
        config = v2.KubeflowV2DagRunnerConfig(
            display_name=spec.name, default_image=spec.kubeflow.image, use_pipeline_spec_2_1=True
        )
        runner = v2.KubeflowV2DagRunner(config, output_dir=str(output.parent), output_filename=partial.name)
        runner.run(build_pipeline(spec, for_kubeflow=True))
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)


def _missing_settings(spec: PipelineSpec) -> list[tuple[str, str]]:
    missing = []
    if not spec.kubeflow.image:
        missing.append(("kubeflow.image", "the container image built from this project's Dockerfile"))
    if not spec.kubeflow.pipeline_root:
        missing.append(("kubeflow.pipeline_root", "a URI the cluster writes artifacts under, e.g. gs://bucket/tfxflow"))
    return missing


def _local_path_line(source: Path, key: str, path: Path, example: str) -> str:
    return (
        f"{source}: {key}: {path} is a local path the cluster cannot read; "
        f"expected a URI such as {example} ({_SHARED_MOUNT_NOTE})"
    )
