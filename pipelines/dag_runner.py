"""TFX's LocalDagRunner, reporting each component as it starts and ends.

    launches = run_dag(spec, fingerprints, run_id, on_start=print, on_end=print)

One node after another, in topological order, with two additions: a callback around each
component, and a clean stop at the first failure, after which the failed component's error is part
of its report instead of a traceback. Imports TensorFlow and TFX: pipelines/run.py imports this
only when a run cannot be answered from MLMD (pipelines/unchanged_rerun.py).
"""
from __future__ import annotations

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

from tfxflow.components.input_fingerprint.fingerprints import Fingerprints
from tfxflow.pipelines.build import local_pipeline
from tfxflow.pipelines.spec import PipelineSpec
from tfxflow.pipelines.summary import ComponentReport

_STATES = {"COMPLETE": "ran", "CACHED": "cached"}


class ReportingDagRunner(LocalDagRunner):
    """LocalDagRunner that calls back around each component and stops at the first failure."""

    def __init__(self, run_id: str, on_start: Callable[[str], None], on_end: Callable[[ComponentReport], None]):
        super().__init__()
        self.on_start, self.on_end = on_start, on_end
        self.run_id = run_id
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


def run_dag(
    spec: PipelineSpec,
    fingerprints: Fingerprints,
    run_id: str,
    on_start: Callable[[str], None],
    on_end: Callable[[ComponentReport], None],
) -> list[tuple[ComponentReport, Optional[int]]]:
    """Runs the spec's pipeline as run `run_id`; each component's report and MLMD execution."""
    runner = ReportingDagRunner(run_id, on_start, on_end)
    runner.run(local_pipeline(spec, fingerprints))
    return runner.launches


def _execution_state(connection: object, execution_id: int) -> str:
    with metadata.Metadata(connection) as store:
        [execution] = store.store.get_executions_by_id([execution_id])
    state = execution.State.Name(execution.last_known_state)
    return _STATES.get(state, state.lower())


def _one_paragraph(error: BaseException) -> str:
    message = str(error).strip() or type(error).__name__
    return message if "\n" in message else f"{type(error).__name__}: {message}"
