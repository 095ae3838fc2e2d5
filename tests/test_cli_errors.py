"""Unexpected errors: one line and exit 1 by default; `tfxflow --debug` shows the traceback."""
import pytest
from click.testing import CliRunner

from tfxflow.pipelines.cli import main

from conftest import REPO

pytestmark = pytest.mark.faults


def test_unexpected_error_is_one_line_and_debug_shows_it_whole(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    args = ["run", str(REPO / "pipelines" / "baker.yaml"), "--set", f"run.root={blocker / 'root'}"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and result.stdout == ""
    logs = blocker / "root" / "logs"
    assert result.stderr.strip() == (f"error: NotADirectoryError: [Errno 20] Not a directory: '{logs}' "
                                     "(tfxflow --debug ... shows the traceback)")
    debug = CliRunner().invoke(main, ["--debug", *args])
    assert isinstance(debug.exception, NotADirectoryError)  # raised, so the traceback is printed


def test_the_command_alone_prints_its_help_and_version_answers():
    alone = CliRunner().invoke(main, [])
    assert alone.exit_code == 0 and "Commands:" in alone.stdout and "run " in alone.stdout
    version = CliRunner().invoke(main, ["--version"])
    assert version.exit_code == 0 and version.stdout.strip().startswith("tfxflow 0.")
