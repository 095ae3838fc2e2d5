"""`tfxflow runs` (pipelines/history.py) on a store it cannot read: one line, exit 2, how to recover."""
import os

import pytest
from click.testing import CliRunner

from tfxflow.pipelines.cli import main

from conftest import REPO

pytestmark = pytest.mark.faults


def test_runs_refuses_a_corrupt_store_in_one_line(tmp_path):
    store = tmp_path / "metadata.sqlite"
    store.write_bytes(os.urandom(50_000))
    result = CliRunner().invoke(main, ["runs", str(REPO / "pipelines" / "baker.yaml"), "--set", f"run.root={tmp_path}"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        f"{store}: not a readable MLMD store (file is not a database); move it aside to start a new history "
        f"(the serving directory is kept): mv {store} {store}.bad\n"
    )


def test_reading_history_imports_no_tensorflow_tfx_or_tfma():
    """`tfxflow runs` answers in well under 3 s because it needs none of them (bench/cli_speed.py)."""
    import subprocess
    import sys

    code = ("import sys, tfxflow.pipelines.cli, tfxflow.pipelines.history, tfxflow.pipelines.report; "
            "print(sorted(m for m in ('tensorflow', 'tfx', 'tensorflow_model_analysis') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr[-2000:]
