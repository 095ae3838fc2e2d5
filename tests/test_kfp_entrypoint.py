"""pipelines/kfp_entrypoint.py: what KFP's driver hands a container, made readable to TFX's entrypoint.

The fast tests parse with TFX's own parser, before (fails, as in a pod) and after (the right
artifacts), and check where TFX reads and writes the artifacts and which URIs it reports back; the
slow one runs a compiled task as KFP 2.17's launcher would, with `executor-logs`, against a real S3
server.
"""
import copy
import json
import os
import sys
from pathlib import Path

import pytest
import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2
from tfx.orchestration.kubeflow.v2.container import kubeflow_v2_entrypoint_utils as tfx_parsing

from tfxflow.pipelines.kfp_entrypoint import readable_by_tfx, report_artifact_uris

from conftest import REPO
from kfp_local_executor import KFP_2_17, KfpBackend, KfpError, S3Bucket

EXAMPLES_TYPE = {"instanceSchema": "title: tfx.Examples\ntype: object\n"}
# As the driver of KFP >= 2.5 builds it: an upstream artifact typed instanceSchema "" (MLMD keeps no
# schema) and KFP's own executor-logs output beside the component's.
EXECUTOR_INPUT = {
    "inputs": {"artifacts": {"examples": {"artifacts": [
        {"name": "7", "uri": "gs://b/examples", "type": {"instanceSchema": ""}, "metadata": {"span": 0}}]}}},
    "outputs": {"artifacts": {
        "statistics": {"artifacts": [{"uri": "gs://b/statistics",
                                      "type": {"instanceSchema": "title: tfx.ExampleStatistics\ntype: object\n"}}]},
        "executor-logs": {"artifacts": [{"uri": "gs://b/executor-logs", "type": {"schemaTitle": "system.Artifact"}}]},
    }, "outputFile": "/tmp/kfp_outputs/output_metadata.json"},
}
INPUTS_SPEC = {"artifacts": {"examples": {"artifactType": EXAMPLES_TYPE}}}


def parse(executor_input):
    """TFX's entrypoint's own parsing of inputs and outputs (kubeflow_v2_run_executor._run_executor)."""
    message = json_format.Parse(json.dumps(executor_input), pipeline_spec_pb2.ExecutorInput())
    return (tfx_parsing.parse_raw_artifact_dict(message.inputs.artifacts),
            tfx_parsing.parse_raw_artifact_dict(message.outputs.artifacts))


def test_tfx_alone_cannot_read_what_kfp_hands_a_task():
    untyped_input = copy.deepcopy(EXECUTOR_INPUT)
    del untyped_input["outputs"]["artifacts"]["executor-logs"]
    with pytest.raises(AttributeError):  # yaml.safe_load("") is None: TFX has no type to build
        parse(untyped_input)
    logs_output = copy.deepcopy(EXECUTOR_INPUT)
    logs_output["inputs"]["artifacts"]["examples"]["artifacts"][0]["type"] = EXAMPLES_TYPE
    with pytest.raises(ImportError, match="system.Artifact"):
        parse(logs_output)


def test_after_repair_tfx_reads_the_components_own_artifacts():
    inputs, outputs = parse(readable_by_tfx(copy.deepcopy(EXECUTOR_INPUT), INPUTS_SPEC))
    [examples] = inputs["examples"]
    assert type(examples).__name__ == "Examples" and examples.uri == "gs://b/examples" and examples.span == 0
    assert list(outputs) == ["statistics"] and type(outputs["statistics"][0]).__name__ == "ExampleStatistics"


def test_typed_inputs_are_left_as_they_are():
    typed = copy.deepcopy(EXECUTOR_INPUT)
    typed["inputs"]["artifacts"]["examples"]["artifacts"][0]["type"] = {"schemaTitle": "tfx.Examples"}
    repaired = readable_by_tfx(typed, INPUTS_SPEC)
    assert repaired["inputs"]["artifacts"]["examples"]["artifacts"][0]["type"] == {"schemaTitle": "tfx.Examples"}


def test_the_executor_output_reports_the_provisioned_uris_not_the_local_copies(tmp_path):
    """The launcher uploads an output from LocalPathForURI(uri) and refuses a URI outside the run's root
    (launcher_v2.go@2.17.0:811-836), so TFX's report of the local path is turned back into the URI."""
    output = tmp_path / "output_metadata.json"
    output.write_text(json.dumps({"artifacts": {"schema": {"artifacts": [
        {"name": "7", "uri": "/minio/b/root/p/r/T/u/schema", "metadata": {"x": 1}}]}}, "parameterValues": {"v": "1"}}))
    report_artifact_uris(str(output), {"/minio/b/root/p/r/T/u/schema": "minio://b/root/p/r/T/u/schema"})
    reported = json.loads(output.read_text())
    assert reported["artifacts"]["schema"]["artifacts"][0] == {"name": "7", "uri": "minio://b/root/p/r/T/u/schema",
                                                              "metadata": {"x": 1}}
    assert reported["parameterValues"] == {"v": "1"}


@pytest.fixture(scope="module")
def schema_task(tmp_path_factory, s3):
    """ImportSchemaGen alone, as `tfxflow compile` writes it, its fingerprint parameter a constant."""
    from click.testing import CliRunner

    from tfxflow.pipelines.cli import main

    directory = tmp_path_factory.mktemp("task")
    compiled = directory / "baker-kfp.yaml"
    result = CliRunner().invoke(main, ["compile", "pipelines/baker.yaml", "--output", str(compiled),
                                       "--set", "kubeflow.image=img:1",
                                       "--set", "kubeflow.pipeline_root=minio://entrypoint/root",
                                       "--set", "pusher.serving_dir=gs://b/serving"])
    assert result.exit_code == 0, result.stderr
    s3.create_bucket("entrypoint")
    spec = next(yaml.safe_load_all(compiled.read_text()))  # the PipelineSpec; its platform spec is left out
    task = spec["root"]["dag"]["tasks"]["ImportSchemaGen"]
    task["inputs"]["parameters"]["fingerprint"] = {"runtimeValue": {"constant": "0" * 64}}
    task.pop("dependentTasks", None)
    spec["root"]["dag"]["tasks"] = {"ImportSchemaGen": task}
    return spec, directory, s3


def run_alone(spec, directory, name, s3):
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    bucket = S3Bucket(s3.endpoint, s3.access_key, s3.secret_key, "entrypoint")
    return KfpBackend(REPO, env, bucket, KFP_2_17).run(path, "minio://entrypoint/root")


@pytest.mark.e2e
def test_a_compiled_task_runs_with_kfps_executor_logs_output(schema_task):
    spec, directory, s3 = schema_task
    [execution] = run_alone(spec, directory, "tfxflow", s3).values()
    assert execution.state == "COMPLETE" and "executor-logs" in execution.executor_input["outputs"]["artifacts"]
    schema = execution.artifacts["schema"]["uri"].removeprefix("minio://entrypoint/")
    assert [key.rsplit("/", 1)[1] for key in s3.keys("entrypoint", schema + "/")] == ["schema.pbtxt"]
    assert "leaving KFP's output artifact 'executor-logs' to KFP's launcher" in execution.logs
    logs = execution.artifacts["executor-logs"]["uri"].removeprefix("minio://entrypoint/")
    assert logs.endswith("/executor-logs-0") and s3.keys("entrypoint", logs) == [logs]

    tfx_only = copy.deepcopy(spec)  # the same task started with TFX's entrypoint, as TFX compiles it
    tfx_only["deploymentSpec"]["executors"]["ImportSchemaGen_executor"]["container"]["command"] = [
        "python", "-m", "tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"]
    with pytest.raises(KfpError, match="Could not import system.Artifact"):
        run_alone(tfx_only, directory, "tfx", s3)
