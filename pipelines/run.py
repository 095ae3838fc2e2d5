"""Running a pipeline locally: answered from MLMD when nothing it depends on changed, else on TFX's
LocalDagRunner; then summarized and reported.

    summary = run_pipeline(spec, on_start=print, on_end=print)

TensorFlow and TFX are imported only for a run that has something to execute: an unchanged rerun
(every content fingerprint and setting as in a run that succeeded) is recorded from MLMD (the whole
command 1.4 s on MNIST: pipelines/unchanged_rerun.py), as a run that `tfxflow runs` and the report show.
"""
from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from typing import Optional

from tfxflow.components import object_store
from tfxflow.components.input_fingerprint.fingerprints import fingerprint_inputs
from tfxflow.pipelines.metadata_store import check_store, read_only_store
from tfxflow.pipelines.report import write_report
from tfxflow.pipelines.run_inputs import fingerprint_settings, run_key
from tfxflow.pipelines.spec import PipelineSpec
from tfxflow.pipelines.summary import ComponentReport, RunSummary, summarize
from tfxflow.pipelines.unchanged_rerun import replay_cached_run, stamp_run


def run_pipeline(
    spec: PipelineSpec,
    on_start: Callable[[str], None],
    on_end: Callable[[ComponentReport], None],
    started: Optional[float] = None,
) -> RunSummary:
    """Fingerprints what the run depends on, replays the last identical run that succeeded or runs the
    spec's pipeline locally, summarizes it from MLMD and writes its report (pipelines/report.py).

    `wall_seconds` counts from `started` (a time.perf_counter() reading; default: now). Raises
    InputError when an input cannot be read, NpzError when the MNIST npz is not one, StoreError when
    `<run.root>/metadata.sqlite` cannot be read.
    """
    started = time.perf_counter() if started is None else started
    store_path = spec.run.root / "metadata.sqlite"
    check_store(store_path)
    object_store.prepare(*spec.locations().values())
    settings = fingerprint_settings(spec)
    if settings["data_uri"]:  # e.g. an MNIST npz: refused from its headers in milliseconds, before it is hashed
        spec.ingest.check_data(settings["data_uri"])
    fingerprints = fingerprint_inputs(**settings)
    key = run_key(spec, fingerprints) if spec.run.cache else None
    run_id = datetime.datetime.now().isoformat()
    replayed = replay_cached_run(store_path, key, run_id, on_start, on_end) if key else None
    if replayed is None:
        from tfxflow.pipelines.dag_runner import run_dag  # TensorFlow and TFX: there is something to execute

        launches = run_dag(spec, fingerprints, run_id, on_start, on_end)
    else:
        launches = replayed.launches
    summary = summarize(read_only_store(store_path), spec, run_id, launches, wall_seconds=0.0)
    if replayed is not None:
        summary.notes.append(f"unchanged since run {replayed.source}: every component taken from it, TFX not started")
    if key and summary.status == "succeeded":
        stamp_run(store_path, run_id, key)
    try:
        summary.report = str(write_report(store_path, run_id).resolve())
    except Exception as error:  # pylint: disable=broad-except  # the run's outcome stands without its page
        logging.exception("the report was not written")
        summary.notes.append(f"report: not written ({type(error).__name__}: {error}); see the log")
    summary.wall_seconds = round(time.perf_counter() - started, 1)
    return summary
