"""Beam's own local job service (apache_beam/runners/portability/local_job_service_main.py), each job run
on `--direct_num_workers` SDK workers, as a Flink or Spark job server runs a task on its parallelism.

    python tests/beam_job_service.py --port 8099

Beam's FnApiRunner reads `--direct_num_workers` only for a pipeline it builds itself (`run_pipeline` in
apache_beam/runners/portability/fn_api_runner/fn_runner.py); for a job submitted to the service
(`run_via_runner_api`) it keeps one worker, so every bundle would go to one SDK worker.
"""
import logging
import multiprocessing
import signal
import sys

from apache_beam.options.pipeline_options import DirectOptions
from apache_beam.runners.portability import local_job_service_main
from apache_beam.runners.portability.fn_api_runner import fn_runner


class WorkersPerJob(fn_runner.FnApiRunner):
    """The FnApiRunner the job service runs each job with, starting the job's `--direct_num_workers`
    workers of its environment (0: one per core, as Beam's DirectRunner reads it)."""

    def run_via_runner_api(self, pipeline_proto, options):
        workers = int(options.view_as(DirectOptions).direct_num_workers)  # a string, as the job service passes it
        self._num_workers = workers or multiprocessing.cpu_count()
        return super().run_via_runner_api(pipeline_proto, options)


if __name__ == "__main__":  # as local_job_service_main's own
    signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
    logging.basicConfig(level=logging.INFO)
    fn_runner.FnApiRunner = WorkersPerJob  # the name local_job_service.BeamJob calls for each job
    local_job_service_main.run(sys.argv[1:])
