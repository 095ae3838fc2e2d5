"""`tfxflow compile --target kubeflow`: locations the cluster cannot read are refused before compiling."""
import json
import sys

import pytest
from click.testing import CliRunner

from tfxflow.pipelines.cli import main
from user_project import ROW_COUNT_DECLARED, ROWS_GEN, row_count, write_package

KUBEFLOW = ["kubeflow.image=ghcr.io/acme/tfxflow:1.0", "kubeflow.pipeline_root=gs://acme/root"]
MNIST = "name: mnist\ningest: {kind: mnist, path: gs://acme/data/mnist.npz}\npusher: {serving_dir: gs://acme/serving}\n"


def compile_spec(spec, output, *overrides):
    args = ["compile", str(spec), "--target", "kubeflow", "--output", str(output)]
    for override in overrides:
        args += ["--set", override]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.stdout, result.stderr.splitlines()


@pytest.mark.parametrize(
    "overrides, expected",
    [
        (["ingest.path=MISSING"], "ingest.path: {local} is a local path the cluster cannot read; expected a URI "
                                  "such as s3://bucket/mnist.npz (file:// only for a volume mounted at that path in "
                                  "every pod)"),
        (["ingest.path=null"], "ingest.path: not set; the cluster needs the .npz at a URI, e.g. gs://bucket/mnist.npz"),
        (["pusher.serving_dir=models"], "pusher.serving_dir: models is a local path the cluster cannot read"),
        (["schema_file=SCHEMA"], "schema_file: {schema} is a local path the cluster cannot read"),
        (["kubeflow.image=null"], "kubeflow.image: required for Kubeflow: the container image built from this "
                                  "project's Dockerfile"),
        (["kubeflow.pipeline_root=null"], "kubeflow.pipeline_root: required for Kubeflow"),
    ],
)
def test_location_the_cluster_cannot_read_is_refused(write_spec, tmp_path, overrides, expected):
    local = tmp_path / "mnist.npz"
    local.write_bytes(b"")
    schema = tmp_path / "schema.pbtxt"
    schema.write_text('feature { name: "x" type: FLOAT }\n'
                      'feature { name: "label" type: INT int_domain { min: 0 max: 9 } shape { dim { size: 1 } } }\n')
    spec = write_spec(MNIST)
    overrides = [o.replace("MISSING", str(local)).replace("SCHEMA", str(schema)) for o in overrides]
    code, _, err = compile_spec(spec, tmp_path / "out.yaml", *KUBEFLOW, *overrides)
    assert code == 2 and len(err) == 1
    assert err[0].startswith(f"{spec}: " + expected.format(local=local, schema=schema))
    assert not (tmp_path / "out.yaml").exists()


def test_bad_pipeline_root_is_refused_as_a_setting(write_spec, tmp_path):
    code, _, err = compile_spec(write_spec(MNIST), tmp_path / "out.yaml", *KUBEFLOW, "kubeflow.pipeline_root=/data")
    assert code == 2 and len(err) == 1 and err[0] == (
        "--set kubeflow.pipeline_root: expected a gs://, s3:// or minio:// URI, such as "
        "minio://mlpipeline/v2/artifacts, got '/data': KFP's launcher stores a run's artifacts only there")


def test_mnist_compiles_with_uris_and_the_packaged_schema_inside_the_image(write_spec, tmp_path):
    output = tmp_path / "kfp" / "mnist.yaml"
    code, out, err = compile_spec(write_spec(MNIST), output, *KUBEFLOW, "kubeflow.beam_args=[--runner=DataflowRunner]")
    assert code == 0, err
    import yaml

    compiled = yaml.safe_load(output.read_text())
    tasks = compiled["root"]["dag"]["tasks"]
    constants = {name: {k: v["runtimeValue"]["constant"] for k, v in task["inputs"].get("parameters", {}).items()
                        if "runtimeValue" in v} for name, task in tasks.items() if "inputs" in task}
    assert constants["ImportSchemaGen"]["schema_file"] == "schemas/mnist/schema.pbtxt"  # the image's workdir
    assert constants["NpzExampleGen"]["path"] == "gs://acme/data/mnist.npz"
    assert constants["InputFingerprint"]["data_uri"] == "gs://acme/data/mnist.npz"
    assert constants["InputFingerprint"]["serving_dir"] == "gs://acme/serving"
    assert '"base_directory": "gs://acme/serving"' in constants["Pusher"]["push_destination"]
    assert {"ExampleValidator", "DriftGate"} <= set(tasks["Transform"]["dependentTasks"])  # nothing trains on bad data
    executors = compiled["deploymentSpec"]["executors"]
    containers = [e["container"] for e in executors.values()]
    assert len(containers) == len(executors) == len(tasks) == 10  # no resolver: KFP compiles containers only
    beam_tasks = {name.removesuffix("_executor") for name, e in executors.items() if "--runner=DataflowRunner" in
                  e["container"]["args"]}
    assert beam_tasks == {"StatisticsGen", "Transform", "Evaluator"}  # no Beam arguments where no Beam job runs
    assert not any(arg.startswith("--sdk_container_image") for c in containers for arg in c["args"])  # Dataflow's own
    assert {c["image"] for c in containers} == {"ghcr.io/acme/tfxflow:1.0"}
    assert {tuple(c["command"]) for c in containers} == {("python", "-m", "tfxflow.pipelines.kfp_entrypoint")}
    assert sorted(p.name for p in output.parent.iterdir()) == ["mnist.yaml"]  # no partial file left beside it


def test_content_fingerprints_are_parameters_of_the_tasks_they_concern_and_never_cached(write_spec, tmp_path):
    import yaml

    output = tmp_path / "mnist.yaml"
    assert compile_spec(write_spec(MNIST), output, *KUBEFLOW)[0] == 0
    compiled = yaml.safe_load(output.read_text())
    tasks = compiled["root"]["dag"]["tasks"]
    wired = {(name, key): source["taskOutputParameter"]
             for name, task in tasks.items() for key, source in task.get("inputs", {}).get("parameters", {}).items()
             if "taskOutputParameter" in source}
    assert {(task, key): producer["outputParameterKey"] for (task, key), producer in wired.items()} == {
        ("NpzExampleGen", "fingerprint"): "data", ("ImportSchemaGen", "fingerprint"): "schema",
        ("DriftGate", "baseline"): "drift_baseline", ("Evaluator", "served_baseline"): "model_baseline",
        ("Pusher", "data_fingerprint"): "data", ("Pusher", "lineage"): "lineage",
        ("Transform", "code_fingerprint"): "transform_code", ("Trainer", "code_fingerprint"): "trainer_code"}
    assert {producer["producerTask"] for producer in wired.values()} == {"InputFingerprint"}  # a task key
    assert tasks["InputFingerprint"]["cachingOptions"] == {"enableCache": False}
    assert all(task["cachingOptions"] == {"enableCache": True} for name, task in tasks.items()
               if name != "InputFingerprint")
    assert compiled["defaultPipelineRoot"] == "gs://acme/root"


def test_a_users_component_compiles_as_a_task_fed_by_the_component_it_names(write_spec, tmp_path, monkeypatch):
    import yaml

    write_package(tmp_path, "my_components", {"counting": row_count(0)})
    monkeypatch.chdir(tmp_path)  # the user's package is found from the working directory
    monkeypatch.setattr(sys, "path", list(sys.path))
    baker = "name: baker\ningest: {kind: baker}\npusher: {serving_dir: gs://acme/serving}\n"
    output = tmp_path / "baker.yaml"
    code, _, err = compile_spec(write_spec(baker), output, *KUBEFLOW, ROW_COUNT_DECLARED)
    assert code == 0, err
    task = yaml.safe_load(output.read_text())["root"]["dag"]["tasks"]["RowCount"]
    assert task["inputs"]["artifacts"]["examples"]["taskOutputArtifact"] == {
        "producerTask": "BakerExampleGen", "outputArtifactKey": "examples"}
    parameters = task["inputs"]["parameters"]
    assert parameters["minimum"]["runtimeValue"]["constant"] == 10
    assert len(parameters["code_fingerprint"]["runtimeValue"]["constant"]) == 64  # its code keys KFP's cache


@pytest.mark.parametrize("declared, expected", [
    ("[{id: RowCount, class: 'my_components.counting:RowCount', inputs: {examples: Nowhere.examples}}]",
     "components: RowCount: inputs.examples: no component 'Nowhere' before it; expected one of BakerExampleGen,"),
    ("[{id: RowCount, class: 'my_components.counting:RowCount', inputs: {examples: Trainer.rows}}]",
     "components: RowCount: inputs.examples: Trainer has no output 'rows'; expected one of model, model_run"),
    ("[{id: Trainer, class: 'my_components.counting:RowCount'}]",
     "components: Trainer: the id is taken by a component of the pipeline; expected another"),
    ("[{id: RowCount, class: 'my_components.counting:os'}]",
     "components: RowCount: class my_components.counting:os is not a TFX component (BaseComponent subclass)"),
    ("[{id: RowCount, class: 'my_components.counting:RowCount', args: {colour: red}}]",
     "components: RowCount: my_components.counting:RowCount refused its arguments:"),
])
def test_a_users_component_that_cannot_be_wired_is_one_line(write_spec, tmp_path, monkeypatch, declared, expected):
    write_package(tmp_path, "my_components", {"counting": row_count(0)})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    baker = "name: baker\ningest: {kind: baker}\npusher: {serving_dir: gs://acme/serving}\n"
    code, _, err = compile_spec(write_spec(baker), tmp_path / "out.yaml", *KUBEFLOW, f"components={declared}")
    assert code == 2 and len(err) == 1 and err[0].startswith(expected), err


def test_a_users_example_gen_is_the_pipelines_first_component_keyed_by_its_code(write_spec, tmp_path, monkeypatch):
    import yaml

    write_package(tmp_path, "my_data", {"gen": ROWS_GEN})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    (tmp_path / "schema.pbtxt").write_text('feature { name: "x" type: FLOAT shape { dim { size: 1 } } }\n'
                                           'feature { name: "label" type: INT int_domain { min: 0 max: 1 } '
                                           'shape { dim { size: 1 } } }\n')
    spec = write_spec("name: rows\ningest: {kind: 'my_data.gen:RowsGen', args: {rows: 50}}\nschema_file: schema.pbtxt\n"
                      "pusher: {serving_dir: gs://acme/serving}\n")
    code, _, err = compile_spec(spec, tmp_path / "out.yaml", *KUBEFLOW)
    assert code == 0, err
    tasks = yaml.safe_load((tmp_path / "out.yaml").read_text())["root"]["dag"]["tasks"]
    assert tasks["StatisticsGen"]["inputs"]["artifacts"]["examples"]["taskOutputArtifact"]["producerTask"] == "RowsGen"
    parameters = tasks["RowsGen"]["inputs"]["parameters"]
    assert parameters["rows"]["runtimeValue"]["constant"] == 50
    assert len(parameters["code_fingerprint"]["runtimeValue"]["constant"]) == 64
    code, _, err = compile_spec(spec, tmp_path / "out.yaml", *KUBEFLOW, "ingest.args={colour: red}")
    assert code == 2 and err[0].startswith("ingest.args: my_data.gen:RowsGen refused its arguments:"), err


def test_compiling_prints_one_line_and_nothing_else(tmp_path):
    """As a user runs it, in a process of its own: no warnings of TFX's or Google's libraries on stderr."""
    import subprocess

    from conftest import REPO, TFXFLOW

    args = [TFXFLOW, "compile", "pipelines/baker.yaml", "--output", str(tmp_path / "baker.yaml"),
            "--set", "pusher.serving_dir=gs://acme/serving"]
    for override in KUBEFLOW:
        args += ["--set", override]
    done = subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0 and done.stderr == "", done.stderr[-2000:]
    assert done.stdout == f"wrote {tmp_path / 'baker.yaml'} (kubeflow, image ghcr.io/acme/tfxflow:1.0)\n"


def compiled_documents(write_spec, tmp_path, *overrides):
    import yaml

    output = tmp_path / "mnist.yaml"
    code, _, err = compile_spec(write_spec(MNIST), output, *KUBEFLOW, *overrides)
    assert code == 0, err
    return list(yaml.safe_load_all(output.read_text()))


def test_a_pipeline_on_kfps_own_store_compiles_with_its_endpoint_and_the_secrets_platform_spec(write_spec, tmp_path):
    """The issue's own command: `--set kubeflow.pipeline_root=minio://mlpipeline/v2/artifacts`."""
    spec, platform = compiled_documents(write_spec, tmp_path, "kubeflow.pipeline_root=minio://mlpipeline/v2/artifacts",
                                        "ingest.path=minio://mlpipeline/data/mnist.npz",
                                        "pusher.serving_dir=minio://mlpipeline/models/mnist")
    executors = spec["deploymentSpec"]["executors"]
    assert spec["defaultPipelineRoot"] == "minio://mlpipeline/v2/artifacts"
    assert {json.dumps(e["container"]["env"]) for e in executors.values()} == {
        json.dumps([{"name": "AWS_ENDPOINT_URL_S3", "value": "http://seaweedfs.kubeflow:9000"}])}
    configs = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert set(configs) == set(executors)
    assert {entry["secretName"] for config in configs.values() for entry in config["secretAsEnv"]} == {
        "mlpipeline-minio-artifact"}
    fingerprint = spec["root"]["dag"]["tasks"]["InputFingerprint"]["inputs"]["parameters"]
    assert fingerprint["data_uri"]["runtimeValue"]["constant"] == "s3://mlpipeline/data/mnist.npz"  # read as S3


def test_aws_s3_with_the_pods_own_credentials_has_no_platform_spec(write_spec, tmp_path):
    [spec] = compiled_documents(write_spec, tmp_path, "kubeflow.pipeline_root=s3://acme/root",
                                "ingest.path=s3://acme/mnist.npz", "pusher.serving_dir=s3://acme/serving",
                                "kubeflow.object_store.region=eu-west-1", "kubeflow.object_store.secret=null")
    assert {json.dumps(e["container"]["env"]) for e in spec["deploymentSpec"]["executors"].values()} == {
        json.dumps([{"name": "AWS_REGION", "value": "eu-west-1"}])}  # AWS's own endpoint


def test_a_pipeline_without_s3_locations_gets_no_env_and_no_platform_spec(write_spec, tmp_path):
    [spec] = compiled_documents(write_spec, tmp_path)
    assert all("env" not in e["container"] for e in spec["deploymentSpec"]["executors"].values())


def test_s3_and_minio_locations_need_the_endpoint_said(write_spec, tmp_path):
    code, _, err = compile_spec(write_spec(MNIST), tmp_path / "out.yaml", *KUBEFLOW, "ingest.path=s3://acme/mnist.npz",
                                "pusher.serving_dir=minio://mlpipeline/models")
    assert code == 2 and len(err) == 1 and err[0].endswith(
        "ingest.path, pusher.serving_dir: s3:// and minio:// locations need two endpoints, but every task has one "
        "(kubeflow.object_store.endpoint); expected one scheme: minio:// for the Kubeflow installation's own store, "
        "s3:// for AWS")
    assert not (tmp_path / "out.yaml").exists()
    assert compiled_documents(write_spec, tmp_path, "ingest.path=s3://acme/mnist.npz",
                              "pusher.serving_dir=minio://mlpipeline/models",
                              "kubeflow.object_store.endpoint=http://store:9000")[1]["platforms"]


def test_the_sine_regression_compiles_with_its_bounds_in_the_evaluators_config(tmp_path):
    import yaml

    from conftest import REPO

    output = tmp_path / "sine.yaml"
    code, _, err = compile_spec(REPO / "pipelines" / "sine.yaml", output, *KUBEFLOW, "pusher.serving_dir=gs://acme/s")
    assert code == 0, err
    tasks = next(yaml.safe_load_all(output.read_text()))["root"]["dag"]["tasks"]
    config = json.loads(tasks["Evaluator"]["inputs"]["parameters"]["eval_config"]["runtimeValue"]["constant"])
    assert config["model_specs"][0]["prediction_key"] == "value"
    [mse] = [m for m in config["metrics_specs"][0]["metrics"] if m["class_name"] == "MeanSquaredError"]
    assert mse["per_slice_thresholds"][0]["threshold"] == {
        "value_threshold": {"upper_bound": 0.001},
        "change_threshold": {"absolute": 0.0005, "direction": "LOWER_IS_BETTER"}}
    assert "SineExampleGen" in tasks


@pytest.mark.parametrize("beam_args, added", [
    ("[--direct_running_mode=multi_processing, --direct_num_workers=0]", True),  # the default: in the task's pod
    ("[--runner=DirectRunner]", True),
    ("[--runner=DataflowRunner, --project=p]", False),  # remote workers: TFX packs itself for them
    ("[--runner=PortableRunner, --job_endpoint=flink:8099]", False),
    ("[--direct_num_workers=2, --setup_file=./setup.py]", False),  # the user's own packaging
    ("[--direct_num_workers=2, --sdk_container_image=ghcr.io/acme/other:2]", False),
])
def test_in_pod_beam_tasks_name_the_pods_image_so_tfx_packs_nothing(write_spec, tmp_path, beam_args, added):
    """TFX builds an sdist of itself before each Beam task unless an argument names the workers' environment
    (tfx/utils/dependency_utils.py); a DirectRunner's workers are processes of the same pod."""
    from tfxflow.pipelines.build import cluster_beam_args
    from tfxflow.pipelines.load import load_spec

    spec = load_spec(write_spec(MNIST), [*KUBEFLOW, f"kubeflow.beam_args={beam_args}"], schema_required=False)
    args = cluster_beam_args(spec)
    assert args[:len(spec.kubeflow.beam_args)] == spec.kubeflow.beam_args
    assert (args[len(spec.kubeflow.beam_args):] == ["--sdk_container_image=ghcr.io/acme/tfxflow:1.0"]) is added
