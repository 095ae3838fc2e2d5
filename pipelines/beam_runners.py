"""The Beam runners tfxflow runs TFX's components on, read from Beam pipeline arguments as Beam reads them.

    runner_name(["--runner=PortableRunner", "--job_endpoint=localhost:8099"])   # "portable"
    check_runner(["--runner=DaskRunner"])   # ValueError: runner DaskRunner is refused: Beam's DaskRunner ...

Beam matches a runner's name without case and with or without its "Runner" suffix, or takes a dotted path to
a runner class (apache_beam/runners/runner.py, create_runner); no --runner is the DirectRunner.
"""
from __future__ import annotations

# Runners that run in the submitting process or the task's own pod.
IN_PROCESS = ("direct", "switchingdirect", "bundlebaseddirect")
# Runners whose workers run elsewhere: the PortableRunner is tested here with Beam's job service; Flink's,
# Spark's and Dataflow's arguments are documented, not testable here (docs/beam-runners.md says why).
ELSEWHERE = ("portable", "flink", "spark", "dataflow")
# Runners Beam offers that TFX's components are known to misrun, and why.
REFUSED = {
    "dask": "Beam's DaskRunner makes TFX's ExampleGen write an empty eval split and no train split, and succeed "
            "(Beam 2.74 and 2.77)",
}
_BEAM_PACKAGE = "apache_beam.runners."
# The DirectRunner's modes (apache_beam/options/pipeline_options.py, DirectOptions).
RUNNING_MODES = ("in_memory", "multi_threading", "multi_processing")
EXPECTED = "DirectRunner, PortableRunner (--job_endpoint), FlinkRunner, SparkRunner or DataflowRunner"


def runner_name(args: list[str]) -> str:
    """The runner `args` name, as Beam matches it: the class name in lower case without "runner"
    ("direct" when no --runner is given)."""
    return _given_runner(args).rsplit(".", 1)[-1].lower().removesuffix("runner") or "direct"


def runs_in_pod(args: list[str]) -> bool:
    """Whether the runner `args` name runs its workers in the task's own process or pod (Beam's DirectRunner)."""
    return runner_name(args) in IN_PROCESS


def check_runner(args: list[str]) -> list[str]:
    """`args`, or ValueError (one line, for the spec's field) if they name a runner tfxflow has not run TFX's
    components on, a runner class outside Beam, a DirectRunner mode Beam lacks, or the PortableRunner without
    its job server."""
    name, given = runner_name(args), _given_runner(args)
    if given and "." in given and not given.startswith(_BEAM_PACKAGE):
        raise ValueError(f"runner {given} is not one of Beam's; expected {EXPECTED}")
    if name in REFUSED:
        raise ValueError(f"runner {given} is refused: {REFUSED[name]}; expected {EXPECTED}")
    if name not in IN_PROCESS and name not in ELSEWHERE:
        raise ValueError(f"runner {given} has not been run with TFX's components by tfxflow; expected {EXPECTED}")
    unknown = [arg for arg in args if arg.startswith("--direct_running_mode=")
               and arg.split("=", 1)[1] not in RUNNING_MODES]
    if unknown:
        raise ValueError(f"{unknown[0]}: expected one of {', '.join(RUNNING_MODES)}")
    if name == "portable" and not any(arg.startswith("--job_endpoint") for arg in args):
        raise ValueError("the PortableRunner needs --job_endpoint=HOST:PORT, the Beam job server of Flink, Spark or "
                         "Beam's own job service")
    return args


def _given_runner(args: list[str]) -> str:
    """The last --runner of `args`, as given ("" for none): the one Beam's argument parser keeps."""
    given = ""
    for i, arg in enumerate(args):
        if arg.startswith("--runner="):
            given = arg.split("=", 1)[1]
        elif arg == "--runner" and i + 1 < len(args):
            given = args[i + 1]
    return given
