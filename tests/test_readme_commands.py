"""The README's command-line block works as written: each command is run in order, as a new user
would paste it, in a fresh copy of the checkout's pipeline files beside ../shared."""
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.e2e


def readme_commands() -> list[str]:
    """The commands of the block under "## The command line", continuation lines joined, comments dropped."""
    text = (REPO / "README.md").read_text()
    block = re.search(r"## The command line\n.*?```sh\n(.*?)```", text, re.S).group(1)
    joined = block.replace("\\\n", " ")
    return [shlex.join(shlex.split(line, comments=True)) for line in joined.splitlines() if line.strip()]


def test_the_block_holds_the_commands_a_new_user_needs():
    commands = [shlex.split(command)[:2] for command in readme_commands()]
    assert {tuple(c) for c in commands} >= {("tfxflow", "run"), ("tfxflow", "predict"), ("tfxflow", "drift"),
                                          ("tfxflow", "compile"), ("tfxflow", "runs"), ("tfxflow", "validate")}


def test_every_command_in_the_block_works_as_written(tmp_path):
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO / "pipelines", checkout / "pipelines", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (tmp_path / "shared").symlink_to(REPO.parent / "shared")  # ../shared, as beside the real checkout
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for command in readme_commands():
        done = subprocess.run(command, shell=True, cwd=checkout, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"{command}\n{done.stderr[-3000:]}"
    assert (checkout / "drift.html").is_file() and (checkout / "baker-kfp.yaml").is_file()
    assert (checkout / "my-schema.pbtxt").is_file() and sorted(p.name for p in (checkout / "runs").iterdir()) == [
        "baker", "mnist"]
