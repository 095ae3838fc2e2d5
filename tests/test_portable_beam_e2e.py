"""Beam's portable runner: the baker pipeline's Beam work submitted as jobs to a job service.

The test starts Beam's own local job service, which serves the same Job API as Flink's and Spark's
job servers, and runs the pipeline with `--runner=PortableRunner --environment_type=LOOPBACK`.
"""
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import baker_probabilities, run_baker

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def job_service(tmp_path_factory):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path_factory.mktemp("job_service") / "job_service.log"
    with open(log, "w") as stream:
        service = subprocess.Popen(
            [sys.executable, "-m", "apache_beam.runners.portability.local_job_service_main", "--port", str(port)],
            stdout=stream, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while "Listening for beam jobs" not in log.read_text():
        assert service.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.2)
    yield f"localhost:{port}", log
    service.terminate()
    service.wait(timeout=30)


def test_baker_pipeline_runs_its_beam_jobs_on_the_job_service(job_service, tmp_path, baker_first_run):
    endpoint, log = job_service
    beam_args = f"beam.args=[--runner=PortableRunner, --job_endpoint={endpoint}, --environment_type=LOOPBACK]"
    code, summary, stderr = run_baker(tmp_path, beam_args)
    assert code == 0, stderr[-3000:]
    assert summary["blessed"] is True and summary["pushed_model"]
    jobs = log.read_text().count("Completed job in")
    assert jobs >= 3, log.read_text()[-2000:]  # StatisticsGen, Transform, Evaluator (ExampleGen writes without Beam)
    # given Beam arguments, TFX packs itself for the workers (absent by default: test_baker_pipeline_e2e)
    assert "Attempting to infer TFX Python dependency" in next((tmp_path / "logs").iterdir()).read_text()
    portable, labels = baker_probabilities(summary["pushed_model"])
    local, _ = baker_probabilities(baker_first_run[1]["pushed_model"])
    np.testing.assert_allclose(portable, local, atol=1e-4)
