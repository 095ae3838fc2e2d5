"""The drift baseline: training statistics of the latest earlier run that succeeded, from MLMD.

A run succeeded when its Pusher completed (or was cached): every component before it did too.
A run stopped by bad or drifted data never becomes a baseline.

    Resolver(strategy_class=PreviousRunStatisticsStrategy, statistics=Channel(type=ExampleStatistics),
             candidate=statistics_gen.outputs["statistics"])
"""
from __future__ import annotations

from typing import Optional

import ml_metadata as mlmd
from ml_metadata.proto import metadata_store_pb2
from tfx import types
from tfx.dsl.components.common import resolver

CANDIDATE_KEY = "candidate"
STATISTICS_KEY = "statistics"
RUN_CONTEXT = "pipeline_run"
_DONE = (metadata_store_pb2.Execution.COMPLETE, metadata_store_pb2.Execution.CACHED)


def execution_states(store: mlmd.MetadataStore, run: metadata_store_pb2.Context) -> list[tuple[int, str, int]]:
    """(execution id, component class name such as 'Pusher', MLMD state) of each execution of the run."""
    executions = store.get_executions_by_context(run.id)
    types = store.get_execution_types_by_id(list({e.type_id for e in executions}))
    names = {t.id: t.name.rsplit(".", 1)[-1] for t in types}
    return [(e.id, names[e.type_id], e.last_known_state) for e in executions]


def succeeded(store: mlmd.MetadataStore, run: metadata_store_pb2.Context) -> bool:
    """Whether the run's Pusher completed or was reused from cache."""
    return pusher_done(execution_states(store, run))


def pusher_done(states: list[tuple[int, str, int]]) -> bool:
    return any(name == "Pusher" and state in _DONE for _, name, state in states)


def runs_of(store: mlmd.MetadataStore, pipeline_name: str) -> list[metadata_store_pb2.Context]:
    """The pipeline's runs (pipeline_run contexts), newest first."""
    pipeline = store.get_context_by_type_and_name("pipeline", pipeline_name)
    if pipeline is None:
        return []
    run_ids = {
        context.id
        for execution in store.get_executions_by_context(pipeline.id)
        for context in store.get_contexts_by_execution(execution.id)
        if context.type == RUN_CONTEXT
    }
    runs = store.get_contexts_by_id(list(run_ids))
    return sorted(runs, key=lambda run: (run.create_time_since_epoch, run.id), reverse=True)


def run_outputs(store: mlmd.MetadataStore, run: metadata_store_pb2.Context) -> dict[str, metadata_store_pb2.Artifact]:
    """The run's output artifacts (ran or cached) as 'Component.key', e.g. 'StatisticsGen.statistics'."""
    producer = {execution: name for execution, name, state in execution_states(store, run) if state in _DONE}
    events = store.get_events_by_execution_ids(list(producer))
    events = [e for e in events if e.type == metadata_store_pb2.Event.OUTPUT]
    artifacts = {a.id: a for a in store.get_artifacts_by_id([e.artifact_id for e in events])}
    return {f"{producer[e.execution_id]}.{e.path.steps[0].key}": artifacts[e.artifact_id] for e in events}


def latest_successful_statistics(
    store: mlmd.MetadataStore, pipeline_name: str
) -> Optional[tuple[metadata_store_pb2.Context, metadata_store_pb2.Artifact]]:
    """The newest successful run and its StatisticsGen output, or None."""
    for run in runs_of(store, pipeline_name):
        statistics = run_outputs(store, run).get("StatisticsGen.statistics")
        if statistics is not None and succeeded(store, run):
            return run, statistics
    return None


class PreviousRunStatisticsStrategy(resolver.ResolverStrategy):
    """The newest `statistics` older than the `candidate` that a successful run produced or reused.

    Restricting to artifacts older than the candidate keeps an unchanged (cached) rerun from being
    compared with its own statistics, so it stays cached.
    """

    def resolve_artifacts(
        self, store: mlmd.MetadataStore, input_dict: dict[str, list[types.Artifact]]
    ) -> Optional[dict[str, list[types.Artifact]]]:
        candidates = input_dict.pop(CANDIDATE_KEY)
        newest_allowed = min((c.id for c in candidates), default=None)
        older = [a for a in input_dict[STATISTICS_KEY] if newest_allowed is None or a.id < newest_allowed]
        baseline = next((a for a in sorted(older, key=lambda a: -a.id) if self._from_successful_run(store, a)), None)
        return {STATISTICS_KEY: [baseline] if baseline else [], CANDIDATE_KEY: candidates}

    @staticmethod
    def _from_successful_run(store: mlmd.MetadataStore, artifact: types.Artifact) -> bool:
        events = store.get_events_by_artifact_ids([artifact.id])
        executions = {e.execution_id for e in events if e.type == metadata_store_pb2.Event.OUTPUT}
        return any(
            context.type == RUN_CONTEXT and succeeded(store, context)
            for execution in executions
            for context in store.get_contexts_by_execution(execution)
        )
