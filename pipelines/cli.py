"""The `tfxflow` command.

    tfxflow run pipelines/baker.yaml --set trainer.epochs=1 --json
    tfxflow validate pipelines/baker.yaml

Exit codes: 0 the run succeeded (whether or not its model was blessed), 1 it failed, 2 bad input.
"""
from __future__ import annotations

import time

_STARTED = time.perf_counter()  # the console script imports this module first: ~ process start

import datetime  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

import click  # noqa: E402
import yaml  # noqa: E402

from pipelines.load import SpecError, load_spec  # noqa: E402
from pipelines.logs import capture_logs  # noqa: E402
from pipelines.spec import PipelineSpec  # noqa: E402

if TYPE_CHECKING:
    from pipelines.summary import ComponentReport  # imports TFMA: not at start-up

_SPEC_FILE = click.Path(dir_okay=False, path_type=Path)
_SET = click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a setting, e.g. trainer.epochs=1."
)


@click.group()
def main() -> None:
    """Declarative TFX pipelines: one YAML file, run locally on Beam."""


@main.command()
@click.argument("spec_file", type=_SPEC_FILE)
@_SET
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--verbose", is_flag=True, help="Show TFX, Beam and TensorFlow logs on stderr.")
def run(spec_file: Path, overrides: tuple[str, ...], as_json: bool, verbose: bool) -> None:
    """Run the pipeline declared in SPEC_FILE on the local Beam runner."""
    spec = _load(spec_file, overrides)
    log_file = spec.run.root / "logs" / f"{datetime.datetime.now():%Y%m%d-%H%M%S}.log"
    capture_logs(log_file, verbose)
    from components.npz_example_gen.mnist_npz import NpzError
    from pipelines.run import run_pipeline  # imports TensorFlow: only once the spec is known to be good

    def on_start(name: str) -> None:
        click.echo(f"{name:<26} started", err=True)

    def on_end(report: ComponentReport) -> None:
        click.echo(f"{report.name:<26} {report.state:<7} {report.seconds:6.1f} s", err=True)

    try:
        summary = run_pipeline(spec, on_start, on_end, started=_STARTED)
    except NpzError as error:  # the MNIST download that replaces an unset ingest.path failed
        click.echo(str(error), err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(summary.to_json(), indent=2))
    else:
        click.echo(summary.to_text())
        click.echo(f"  logs: {log_file}")
    sys.exit(0 if summary.status == "succeeded" else 1)


@main.command()
@click.option(
    "--model", "model_dir", required=True, type=click.Path(path_type=Path), help="Pushed model or serving dir."
)
@click.option("--input", "inputs", required=True, multiple=True, type=click.Path(path_type=Path), help="npz or PNG.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per line.")
def predict(model_dir: Path, inputs: tuple[Path, ...], as_json: bool) -> None:
    """Classify MNIST images (an npz of x_test-like images, or 28x28 PNGs) with a pushed model."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore", category=FutureWarning)  # google-api-core's Python 3.10 notices
    from components.npz_example_gen.mnist_npz import NpzError
    from pipelines import predict as predicting

    try:
        names, images = predicting.read_images(list(inputs))
        results = predicting.predict(predicting.load_model(model_dir), images)
    except (predicting.PredictError, NpzError) as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    for name, (digit, probability) in zip(names, results, strict=True):
        line = {"input": name, "digit": digit, "probability": round(probability, 4)}
        click.echo(json.dumps(line) if as_json else f"{name}: {digit} (p={probability:.3f})")


@main.command()
@click.argument("spec_file", type=_SPEC_FILE)
@_SET
def validate(spec_file: Path, overrides: tuple[str, ...]) -> None:
    """Check SPEC_FILE and print it with every default filled in."""
    spec = _load(spec_file, overrides)
    click.echo(yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False), nl=False)


def _load(spec_file: Path, overrides: tuple[str, ...]) -> PipelineSpec:
    try:
        return load_spec(spec_file, overrides)
    except SpecError as error:
        click.echo(str(error), err=True)
        sys.exit(2)
