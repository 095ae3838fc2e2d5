"""The `tfxflow` command.

    tfxflow run pipelines/baker.yaml --set trainer.epochs=1 --json
    tfxflow validate pipelines/baker.yaml
    tfxflow compile pipelines/baker.yaml --target kubeflow --output baker-kfp.yaml
    tfxflow schedule pipelines/baker.yaml --endpoint https://kfp.example.com

Exit codes: 0 the run succeeded (whether or not its model was blessed), 1 it failed, 2 bad input.
Kubeflow commands: 0 done, 1 KFP refused or could not be reached, 2 bad input.
An error is one line: tfxflow's own (components/errors.py) as it is, anything else with its type.
"""
from __future__ import annotations

import time

_STARTED = time.perf_counter()  # the console script imports this module first: ~ process start

import datetime  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Any, Callable, NoReturn  # noqa: E402

import click  # noqa: E402
import yaml  # noqa: E402

from tfxflow.components import object_store  # noqa: E402
from tfxflow.components.errors import BadInput, TfxflowError  # noqa: E402
from tfxflow.pipelines.load import load_spec  # noqa: E402
from tfxflow.pipelines.logs import capture_logs  # noqa: E402
from tfxflow.pipelines.spec import PipelineSpec  # noqa: E402

if TYPE_CHECKING:
    from tfxflow.pipelines.kfp_client import KfpClient, PipelineVersion, Target

_SPEC_FILE = click.Path(dir_okay=False, path_type=Path)
_NAMES_SHOWN = 20  # feature names in schema infer's line; a table of 1,000 columns is counted, not listed
_SET = click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a setting, e.g. trainer.epochs=1."
)


class _OneLineErrors(click.Group):
    """A TfxflowError's message as it is, and its exit code (2 for BadInput, else 1); any other error as
    one line with its type and exit 1, where `tfxflow --debug ...` shows the traceback instead."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except TfxflowError as error:
            click.echo(str(error), err=True)
            sys.exit(error.exit_code)
        except Exception as error:  # pylint: disable=broad-except  # anything not already reported
            if ctx.params.get("debug"):
                raise
            what = " ".join(str(error).split())[:300]
            click.echo(f"error: {type(error).__name__}: {what} (tfxflow --debug ... shows the traceback)", err=True)
            sys.exit(1)


@click.group(cls=_OneLineErrors, invoke_without_command=True)
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@click.version_option(package_name="tfxflow", message="tfxflow %(version)s")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Declarative TFX pipelines: one YAML file, run locally on Beam or on Kubeflow Pipelines."""
    if ctx.invoked_subcommand is None:  # `tfxflow` alone: what it can do, and success
        click.echo(ctx.get_help())


@main.command()
@click.argument("spec_file", type=_SPEC_FILE)
@_SET
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--verbose", is_flag=True, help="Show TFX, Beam and TensorFlow logs on stderr.")
def run(spec_file: Path, overrides: tuple[str, ...], as_json: bool, verbose: bool) -> None:
    """Run the pipeline declared in SPEC_FILE on the local Beam runner."""
    spec = load_spec(spec_file, overrides)
    log_file = spec.run.root / "logs" / f"{datetime.datetime.now():%Y%m%d-%H%M%S}.log"
    capture_logs(log_file, verbose)
    from tfxflow.pipelines.run import run_pipeline  # TensorFlow only if something runs, once the spec is good

    from tfxflow.components.epoch_progress import PROGRESS_LOGGER
    from tfxflow.pipelines.interrupts import exit_130_on_ctrl_c
    from tfxflow.pipelines.progress import EpochLogHandler, RunProgress
    from tfxflow.pipelines.run_lock import exclusive_run

    interrupted = (f"interrupted: the run stopped; run the same command to resume (finished components are "
                   f"reused). Logs: {log_file}")
    progress = RunProgress()
    logging.getLogger(PROGRESS_LOGGER).addHandler(EpochLogHandler(progress))
    with exit_130_on_ctrl_c(interrupted), exclusive_run(spec.run.root, functools.partial(click.echo, err=True)), \
            progress:
        summary = run_pipeline(spec, progress.started, progress.ended, started=_STARTED)
    if as_json:
        click.echo(json.dumps(summary.to_json(), indent=2))
    else:
        click.echo(summary.to_text())
        click.echo(f"  logs: {log_file}")
    sys.exit(0 if summary.status == "succeeded" else 1)


@main.command()
@click.option("--model", "model_dir", required=True, help="Pushed model or serving dir: a path or a gs://, s3:// or "
              "minio:// URI.")
@click.option("--input", "inputs", required=True, multiple=True, type=click.Path(path_type=Path),
              help="CSV, npz, TFRecords (.tfrecord, .gz, a directory) or an image file.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per line.")
def predict(model_dir: str, inputs: tuple[Path, ...], as_json: bool) -> None:
    """Predict with a pushed model, on inputs read as the ingest kind it was trained from reads them:
    csv: CSV rows; npz: npz rows and image files of the model's image size; mnist: npz images and 28x28
    PNGs, turned upright; any kind: TFRecords of tf.Examples (a user's kind may read more). A model
    pushed before tfxflow recorded its kind reads each input by its suffix.

    Every input is checked before the model loads; results are printed a batch at a time, each as the
    likeliest class's name and its probability (`name: class (p=0.973)`) or, for a regression, the
    predicted value (`name: 0.8415`). An input that cannot be read is reported in one line and the
    others are still predicted; then the exit code is 2.
    """
    _quiet_tensorflow()
    from tfxflow.pipelines.predict import Reader, load_model, predict_records

    refused: list[str] = []

    def each(items: list[Path], work: Callable[[Path], Any]) -> list[Any]:
        """`work` on every item; an item it cannot use is reported and left out."""
        done = []
        for item in items:
            try:
                done.append(work(item))
            except BadInput as error:
                refused.append(str(error))
                click.echo(str(error), err=True)
        return done

    def show(path: Path) -> None:
        for examples in reader.examples(path):
            predictions = predict_records(model, examples, path)
            if examples.notices:
                click.echo("\n".join(f"notice: {notice}" for notice in examples.notices), err=True)
            click.echo("\n".join(json.dumps({**prediction.to_json(), **more}) if as_json else prediction.line()
                                 for prediction, more in zip(predictions, examples.details(predictions), strict=True)))

    model_dir = _location(model_dir, "--model")
    reader = Reader.of(model_dir)  # BadInput for a kind that cannot be imported here: exit 2
    checked = each(list(inputs), reader.check)
    if checked:
        model = load_model(model_dir)
        each(checked, show)
    sys.exit(2 if refused else 0)


@main.command()
@click.argument("spec_file", type=_SPEC_FILE)
@_SET
def validate(spec_file: Path, overrides: tuple[str, ...]) -> None:
    """Check SPEC_FILE and print it with every default filled in; the classes of `components:` are imported
    (their modules run), so one that cannot be is refused here too."""
    spec = load_spec(spec_file, overrides)
    if spec.components:
        _quiet_tensorflow()
        from tfxflow.pipelines.build import user_component_class  # TFX: only for a file that declares components

        for declared in spec.components:
            user_component_class(declared)
    click.echo(yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False), nl=False)


@main.command()
@click.argument("spec_file", type=_SPEC_FILE)
@_SET
@click.option("--data", help="New data like the pipeline's (an npz, CSV, TFRecords...): a path or a gs://, s3:// or "
              "minio:// URI.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), help="A statistics file to compare with.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), help="Write a report page.")
def drift(
    spec_file: Path, overrides: tuple[str, ...], data: str | None, baseline: Path | None, as_json: bool,
    html_file: Path | None,
) -> None:
    """Check new data against the schema and the served model's training statistics.

    Exit 0: no anomalies and no drift; 1: anomalies or drift; 2: usage or input error.
    Without --data, a baker pipeline checks its generator's output (set ingest.seed etc. with --set).
    """
    spec = load_spec(spec_file, overrides)
    new_data = _location(data, "--data", *spec.locations().values())
    _quiet_tensorflow()
    from tfxflow.pipelines.drift import check_drift, write_html

    check = check_drift(spec, new_data, baseline)
    if check.notices:
        click.echo("\n".join(f"notice: {notice}" for notice in check.notices), err=True)
    if html_file:
        write_html(check, html_file)
    click.echo(json.dumps(check.to_json(), indent=2) if as_json else check.to_text())
    sys.exit(1 if check.report.drifted or check.report.anomalies else 0)


@main.group()
def schema() -> None:
    """Schemas for pipelines whose ingest kind has no curated one."""


@schema.command("infer")
@click.argument("spec_file", type=_SPEC_FILE)
@_SET
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The schema file.")
@click.option("--force", is_flag=True, help="Replace an existing file.")
@click.option("--max-classes", type=click.IntRange(2, 1_000_000), default=1000, show_default=True,  # MAX_CLASSES
              help="The most classes a string label's domain is written with.")
def infer(spec_file: Path, overrides: tuple[str, ...], output: Path, force: bool, max_classes: int) -> None:
    """Infer a starting TFDV schema from SPEC_FILE's training split, with drift comparators.

    Curate it (domains, presence, thresholds), commit it, and name it in the file's schema_file.
    """
    # the file's schema_file may be the one about to be written: it is not read
    spec = load_spec(spec_file, (*overrides, "schema_file=null"), schema_required=False)
    object_store.prepare(*spec.locations().values())
    _quiet_tensorflow()
    from tfxflow.pipelines.schema_infer import infer_schema, write_schema

    inferred, described = infer_schema(spec, max_classes)
    write_schema(inferred, output, replace=force)
    names = [feature.name for feature in inferred.feature]
    features = ", ".join(names[:_NAMES_SHOWN]) + (f" and {len(names) - _NAMES_SHOWN:,} more"
                                                  if len(names) > _NAMES_SHOWN else "")
    click.echo(f"{output}: {len(inferred.feature)} features ({features}) inferred from {described}; "
               f"curate it, then set schema_file: {output}")


@main.command()
@click.argument("spec_file", type=_SPEC_FILE)
@_SET
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per run, one per line.")
def runs(spec_file: Path, overrides: tuple[str, ...], as_json: bool) -> None:
    """List SPEC_FILE's runs from its MLMD store, newest first, with the task's headline metric
    (accuracy; mean_squared_error for regression: `metric` {name, value} in --json)."""
    spec = load_spec(spec_file, overrides)
    _quiet_tensorflow()
    object_store.prepare(spec.pusher.serving_dir)
    from tfxflow.pipelines.history import list_runs, metric_column

    records = list_runs(spec)
    if as_json:
        click.echo("\n".join(json.dumps(record.to_json()) for record in records))
        return
    if not records:
        click.echo(f"no runs of {spec.name} in {spec.run.root}")
        return
    metric, values = metric_column(records)
    rows = [("run", "status", metric, "blessed", "pushed", "served", "drift")]
    for r, value in zip(records, values, strict=True):
        pushed = "(cached)" if r.cached and r.pushed_version else r.pushed_version or "-"
        rows.append((r.run_id, "cached" if r.cached else r.status, value,
                     {True: "yes", False: "no", None: "-"}[r.blessed], pushed, "served" if r.served else "-",
                     r.drift or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)) + "  " + row[-1])


@main.command()
@click.argument("run_id")
@click.option("--pipeline", "spec_file", type=_SPEC_FILE,
              help="The run's pipeline file [default: the run is looked up in runs/*/metadata.sqlite].")
@_SET
def report(run_id: str, spec_file: Path | None, overrides: tuple[str, ...]) -> None:
    """Write the HTML report of run RUN_ID again (`tfxflow runs` lists them) and print its path."""
    from tfxflow.pipelines.metadata_store import check_store
    from tfxflow.pipelines.report import find_run, write_report

    if spec_file:
        spec = load_spec(spec_file, overrides)
        object_store.prepare(*spec.locations().values())
        store = spec.run.root / "metadata.sqlite"
    else:
        store = find_run(run_id, Path("runs"))
    check_store(store)
    click.echo(write_report(store, run_id))


def entry() -> NoReturn:
    """The `tfxflow` console script: `main`, ended through object_store.exit_process so that a
    command that read or wrote S3 exits with its own code (see there)."""
    from tfxflow.components.object_store import exit_process

    try:
        main()
    except SystemExit as ended:
        exit_process(ended.code)
    exit_process(0)


def _quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore", category=FutureWarning)  # google-api-core's Python 3.10 notices
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # deprecation notices from TFMA's readers


@main.command(name="compile")
@click.argument("spec_file", type=_SPEC_FILE)
@_SET
@click.option("--target", type=click.Choice(["kubeflow"]), default="kubeflow", show_default=True)
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="FILE.yaml")
def compile_command(spec_file: Path, overrides: tuple[str, ...], target: str, output: Path) -> None:
    """Compile SPEC_FILE to a KFP v2 pipeline spec (YAML) for Kubeflow Pipelines."""
    spec = load_spec(spec_file, overrides)
    _compile(spec, spec_file, output)
    click.echo(f"wrote {output} ({target}, image {spec.kubeflow.image})")


def _kfp_options(command: Callable[..., None]) -> Callable[..., None]:
    """--endpoint, --token, --no-verify-tls, --namespace and --experiment; passes the command a
    connected KfpClient and the experiment's name."""

    @click.option("--endpoint", required=True, envvar="KFP_ENDPOINT", help="KFP API URL (or KFP_ENDPOINT).")
    @click.option("--token", envvar="KFP_TOKEN", help="Bearer token (or KFP_TOKEN); never printed.")
    @click.option("--no-verify-tls", is_flag=True, help="Do not verify the server's TLS certificate.")
    @click.option("--namespace", envvar="KFP_NAMESPACE",
                  help="Your Kubeflow namespace (profile), for multi-user Kubeflow (or KFP_NAMESPACE).")
    @click.option("--experiment", help="The experiment runs belong to, created if absent [default: tfxflow-NAME].")
    @functools.wraps(command)
    def wrapper(endpoint: str, token: str | None, no_verify_tls: bool, namespace: str | None, **kwargs: Any) -> None:
        from tfxflow.pipelines.kfp_client import KfpClient

        if no_verify_tls:
            click.echo("warning: TLS certificate verification is off (--no-verify-tls)", err=True)
        command(client=KfpClient(endpoint, token, verify_tls=not no_verify_tls, namespace=namespace), **kwargs)

    return wrapper


@main.command()
@click.argument("spec_file", type=_SPEC_FILE)
@_SET
@_kfp_options
def submit(client: KfpClient, spec_file: Path, overrides: tuple[str, ...], experiment: str | None) -> None:
    """Upload SPEC_FILE's compiled pipeline to KFP and start one run."""
    spec = load_spec(spec_file, overrides)
    experiment = experiment or f"tfxflow-{spec.name}"
    version, target = _publish(client, spec, spec_file, experiment)
    run_id = client.create_run(spec.name, version, target)
    click.echo(f"pipeline version {version.name} ({version.version_id}); started run {run_id} "
               f"in experiment {experiment}")


@main.command()
@click.argument("spec_file", type=_SPEC_FILE)
@_SET
@click.option("--list", "list_only", is_flag=True, help="Show this pipeline's recurring runs.")
@click.option("--delete", is_flag=True, help="Delete this pipeline's recurring runs.")
@_kfp_options
def schedule(
    client: KfpClient, spec_file: Path, overrides: tuple[str, ...], list_only: bool, delete: bool,
    experiment: str | None,
) -> None:
    """Schedule recurring retraining of SPEC_FILE on KFP (kubeflow.schedule), replacing any earlier schedule."""
    spec = load_spec(spec_file, overrides)
    experiment = experiment or f"tfxflow-{spec.name}"
    if list_only or delete:
        experiment_id = client.experiment(experiment, create=False)
        runs = client.recurring_runs(spec.name, experiment_id) if experiment_id else []
        for run in runs:
            if delete:
                client.delete_recurring_run(run["id"])
            click.echo(f"{'deleted ' if delete else ''}{run['id']}  {run['cron']}  {run['status']}  "
                       f"max_concurrency={run['max_concurrency']}  no_catchup={run['no_catchup']}")
        if not runs:
            click.echo(f"no recurring runs named {spec.name} in experiment {experiment}")
        return
    if spec.kubeflow.schedule is None:
        _fail(f"{spec_file}: kubeflow.schedule.cron: required to schedule, e.g. '0 0 3 * * *' (03:00 daily)")
    version, target = _publish(client, spec, spec_file, experiment)
    recurring_id = client.schedule(spec.name, version, target, spec.kubeflow.schedule)
    click.echo(f"pipeline version {version.name}; recurring run {recurring_id} in experiment {experiment}: "
               f"'{spec.kubeflow.schedule.cron}'")


def _publish(
    client: KfpClient, spec: PipelineSpec, spec_file: Path, experiment: str
) -> tuple[PipelineVersion, Target]:
    """Compiles (refusing bad settings before any request), finds or creates the experiment, then
    uploads: the pipeline version and where its runs go."""
    from tfxflow.pipelines.kfp_client import Target

    with tempfile.TemporaryDirectory(prefix="tfxflow-kfp-") as scratch:
        package = Path(scratch) / f"{spec.name}.yaml"
        _compile(spec, spec_file, package)
        target = Target(spec.kubeflow.pipeline_root, client.experiment(experiment), spec.kubeflow.service_account)
        return client.upload(spec.name, package), target


def _compile(spec: PipelineSpec, spec_file: Path, output: Path) -> None:
    _quiet_tensorflow()
    from tfxflow.pipelines.kubeflow import compile_pipeline

    compile_pipeline(spec, output, source=spec_file)


def _location(value: str | None, option: str, *others: object) -> str | Path | None:
    """An option's path or URI as tfxflow reads it (None if not given), its store and those of the
    `others` the command reads made readable and checked; one line and exit 2 if one is not usable."""
    try:
        object_store.check(value or "")
    except ValueError as error:
        _fail(f"{option}: {error}")
    object_store.prepare(value, *others)
    if value is None:
        return None
    return object_store.io_uri(value) if object_store.scheme(value) else Path(value)


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(2)
