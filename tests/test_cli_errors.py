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
