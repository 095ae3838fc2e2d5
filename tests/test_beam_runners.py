"""`validate` takes the Beam runners tfxflow has run TFX's components on and refuses the others in one line."""
import pytest
from click.testing import CliRunner

from tfxflow.pipelines.beam_runners import runner_name, runs_in_pod
from tfxflow.pipelines.cli import main

from conftest import REPO

BAKER = str(REPO / "pipelines" / "baker.yaml")
EXPECTED = "expected DirectRunner, PortableRunner (--job_endpoint), FlinkRunner, SparkRunner or DataflowRunner"


def validate(key: str, args: str):
    result = CliRunner().invoke(main, ["validate", BAKER, "--set", f"{key}={args}"])
    return result.exit_code, result.stderr.splitlines()


@pytest.mark.parametrize("key", ["beam.args", "kubeflow.beam_args"])
@pytest.mark.parametrize("args, line", [
    ("[--runner=DaskRunner]", "runner DaskRunner is refused: Beam's DaskRunner makes TFX's ExampleGen write an empty "
                              "eval split and no train split, and succeed (Beam 2.74 and 2.77); " + EXPECTED),
    ("[--runner=apache_beam.runners.dask.dask_runner.DaskRunner]",
     "runner apache_beam.runners.dask.dask_runner.DaskRunner is refused: Beam's DaskRunner"),
    ("[--runner, dask]", "runner dask is refused: Beam's DaskRunner"),
    ("[--runner=PrismRunner]", "runner PrismRunner has not been run with TFX's components by tfxflow; " + EXPECTED),
    ("[--runner=InteractiveRunner]", "runner InteractiveRunner has not been run with TFX's components by tfxflow"),
    ("[--runner=my_beam.FastRunner]", "runner my_beam.FastRunner is not one of Beam's; " + EXPECTED),
    ("[--runner=PortableRunner]", "the PortableRunner needs --job_endpoint=HOST:PORT, the Beam job server of Flink, "
                                  "Spark or Beam's own job service"),
    ("[--direct_running_mode=multi_process]", "--direct_running_mode=multi_process: expected one of in_memory, "
                                              "multi_threading, multi_processing"),
])
def test_an_unproven_runner_is_one_line_at_validate(key, args, line):
    code, err = validate(key, args)
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith(f"--set {key}: {line}")


@pytest.mark.parametrize("args", [
    "[]", "[--direct_running_mode=multi_processing, --direct_num_workers=2]", "[--runner=DirectRunner]",
    "[--runner=apache_beam.runners.direct.direct_runner.DirectRunner]",
    "[--runner=PortableRunner, --job_endpoint=flink-jobserver:8099, --environment_type=EXTERNAL, "
    "--environment_config=localhost:50000]",
    "[--runner=FlinkRunner, --flink_master=flink:8081]", "[--runner=spark]",
    "[--runner=DataflowRunner, --project=p, --region=europe-west1]",
])
def test_the_proven_runners_validate(args):
    for key in ("beam.args", "kubeflow.beam_args"):
        assert validate(key, args) == (0, [])


@pytest.mark.parametrize("args, name, in_pod", [
    ([], "direct", True), (["--direct_num_workers=0"], "direct", True), (["--runner=SwitchingDirectRunner"],
                                                                          "switchingdirect", True),
    (["--runner", "DataflowRunner", "--project=p"], "dataflow", False), (["--runner=portable"], "portable", False),
    (["--runner=DirectRunner", "--runner=FlinkRunner"], "flink", False),  # Beam's parser keeps the last
])
def test_the_runner_is_read_as_beam_reads_it(args, name, in_pod):
    assert runner_name(args) == name and runs_in_pod(args) is in_pod
