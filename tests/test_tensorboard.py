"""The TensorBoard command every summary prints works from the venv: it serves the Trainer's logs."""
import json
import shlex
import socket
import subprocess
import time
import urllib.request

import pytest

from tfxflow.pipelines.summary import tensorboard_command  # what the summary prints

pytestmark = pytest.mark.e2e


def test_the_printed_tensorboard_command_serves_the_trainers_logs(baker_first_run):
    _, summary, _ = baker_first_run
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [*shlex.split(tensorboard_command(summary["tensorboard"])), "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline, page = time.monotonic() + 180, None
        while page is None:
            assert server.poll() is None, server.stderr.read()[-2000:]  # e.g. No module named 'pkg_resources'
            assert time.monotonic() < deadline, "TensorBoard did not answer in 180 s"
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
            except OSError:
                time.sleep(0.5)
        runs = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/data/runs", timeout=30).read())
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "<tf-tensorboard" in page or "TensorBoard" in page
    assert {"train", "validation"} <= set(runs)  # the fit's logs, as Keras' TensorBoard callback wrote them
