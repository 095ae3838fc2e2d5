"""Running a pipeline on the local Beam runner, reporting each component as it starts and ends.

    summary = run_pipeline(spec, on_start=print, on_end=print)

The runner is TFX's LocalDagRunner (one node after another, in topological order) with two
additions: a callback around each component, and a clean stop at the first failure, after which
the failed component's error is part of the summary instead of a traceback.
"""
from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from typing import Optional

from tfx.dsl.compiler import constants
from tfx.orchestration import metadata
from tfx.orchestration.local import runner_utils
from tfx.orchestration.local.local_dag_runner import LocalDagRunner
from tfx.orchestration.portable import launcher, runtime_parameter_utils
from tfx.proto.orchestration import pipeline_pb2

from tfxflow.components import object_store
from tfxflow.components.input_fingerprint.fingerprints import fingerprint_inputs
from tfxflow.pipelines.build import fingerprint_settings, local_pipeline
from tfxflow.pipelines.metadata_store import check_store
from tfxflow.pipelines.report import write_report
from tfxflow.pipelines.spec import PipelineSpec
from tfxflow.pipelines.summary import ComponentReport, RunSummary, summarize

_STATES = {"COMPLETE": "ran", "CACHED": "cached"}


class ReportingDagRunner(LocalDagRunner):
    """LocalDagRunner that calls back around each component and stops at the first failure."""

    def __init__(self, on_start: Callable[[str], None], on_end: Callable[[ComponentReport], None]):
        super().__init__()
        self.on_start, self.on_end = on_start, on_end
        self.run_id = datetime.datetime.now().isoformat()
        # Each component's report and its MLMD execution (None when it failed before registering one).
        self.launches: list[tuple[ComponentReport, Optional[int]]] = []

    def run_with_ir(
        self, pipeline: pipeline_pb2.Pipeline, run_options: Optional[pipeline_pb2.RunOptions] = None
    ) -> None:
        runtime_parameter_utils.substitute_runtime_parameter(
            pipeline, {constants.PIPELINE_RUN_ID_PARAMETER_NAME: self.run_id}
        )
        deployment = runner_utils.extract_local_deployment_config(pipeline)
        connection = deployment.metadata_connection_config
        connection = getattr(connection, connection.WhichOneof("connection_config"))
        for node in pipeline.nodes:
            node = node.pipeline_node
            name = node.node_info.id
            component = launcher.Launcher(
                pipeline_node=node,
                mlmd_connection=metadata.Metadata(connection),
                pipeline_info=pipeline.pipeline_info,
                pipeline_runtime_spec=pipeline.runtime_spec,
                executor_spec=runner_utils.extract_executor_spec(deployment, name),
                custom_driver_spec=runner_utils.extract_custom_driver_spec(deployment, name),
            )
            self.on_start(name)
            started = time.perf_counter()
            try:
                info = component.launch()
            except Exception as error:  # pylint: disable=broad-except  # reported, and the run stops here
                logging.exception("%s failed", name)  # the traceback, for the run's log file
                report = ComponentReport(name, "failed", round(time.perf_counter() - started, 3), _one_paragraph(error))
                self.launches.append((report, None))
                self.on_end(report)
                return
            state = _execution_state(connection, info.execution_id)
            report = ComponentReport(name, state, round(time.perf_counter() - started, 3))
            self.launches.append((report, info.execution_id))
            self.on_end(report)


def run_pipeline(
    spec: PipelineSpec,
    on_start: Callable[[str], None],
    on_end: Callable[[ComponentReport], None],
    started: Optional[float] = None,
) -> RunSummary:
    """Fingerprints what the run depends on, runs the spec's pipeline locally, summarizes it from MLMD and
    writes its report (pipelines/report.py).

    `wall_seconds` counts from `started` (a time.perf_counter() reading; default: now). Raises
    InputError when an input cannot be read, NpzError when the MNIST npz is not one, StoreError when
    `<run.root>/metadata.sqlite` cannot be read.
    """
    started = time.perf_counter() if started is None else started
    check_store(spec.run.root / "metadata.sqlite")
    object_store.prepare(*spec.locations().values())
    settings = fingerprint_settings(spec)
    if settings["data_uri"]:  # e.g. an MNIST npz: refused from its headers in milliseconds, before it is hashed
        spec.ingest.check_data(settings["data_uri"])
    pipeline = local_pipeline(spec, fingerprint_inputs(**settings))
    runner = ReportingDagRunner(on_start, on_end)
    runner.run(pipeline)
    with metadata.Metadata(pipeline.metadata_connection_config) as store:
        summary = summarize(store.store, spec, runner.run_id, runner.launches, wall_seconds=0.0)
    try:
        summary.report = str(write_report(spec.run.root / "metadata.sqlite", runner.run_id).resolve())
    except Exception as error:  # pylint: disable=broad-except  # the run's outcome stands without its page
        logging.exception("the report was not written")
        summary.notes.append(f"report: not written ({type(error).__name__}: {error}); see the log")
    summary.wall_seconds = round(time.perf_counter() - started, 1)
    return summary


def _execution_state(connection: object, execution_id: int) -> str:
    with metadata.Metadata(connection) as store:
        [execution] = store.store.get_executions_by_id([execution_id])
    state = execution.State.Name(execution.last_known_state)
    return _STATES.get(state, state.lower())


def _one_paragraph(error: BaseException) -> str:
    message = str(error).strip() or type(error).__name__
    return message if "\n" in message else f"{type(error).__name__}: {message}"
