"""Hostile pipeline files: refused quickly, with bounded memory, in one line; names cannot escape."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.load import SpecError, load_spec

pytestmark = pytest.mark.faults
TFXFLOW = str(Path(sys.executable).with_name("tfxflow"))
BOMB = "name: baker\ningest: {kind: baker}\nbeam:\n  args: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)
)  # 10**9 strings once expanded


def validate(path):
    """`tfxflow validate` in a child: exit code, stderr, seconds, peak RSS in MB."""
    started = time.perf_counter()
    child = subprocess.Popen([TFXFLOW, "validate", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = child.stderr.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    return os.waitstatus_to_exitcode(status), stderr, time.perf_counter() - started, usage.ru_maxrss / 1024


@pytest.mark.parametrize(
    "content, expected",
    [
        (BOMB, "expands to over 10,000 values (aliases included); expected a few dozen settings"),
        ("name: baker\n# " + "x" * 5_000_000 + "\n", "5,000,015 bytes; expected a pipeline file under 1,000,000"),
        ("name: baker\ningest: {kind: baker}\nbeam: {args: [" + ", ".join(["x"] * 20_000) + "]}\n",
         "expands to over 10,000 values (aliases included); expected a few dozen settings"),
    ],
)
def test_bombs_and_huge_files_are_refused_quickly_with_bounded_memory(tmp_path, content, expected):
    path = tmp_path / "hostile.yaml"
    path.write_text(content)
    code, stderr, seconds, peak_mb = validate(path)
    assert code == 2 and stderr.strip() == f"{path}: {expected}"
    assert seconds < 10 and peak_mb < 200


@pytest.mark.parametrize("name", ["../escape", "/etc/passwd", "a/b", "..", ".hidden", "x" * 64, "tab\tname"])
def test_pipeline_names_cannot_name_other_directories(write_spec, name):
    with pytest.raises(SpecError) as refused:
        load_spec(write_spec("name: baker\ningest: {kind: baker}\n"), [f"name={name!r}"])
    assert str(refused.value).startswith("--set name: ")


@pytest.mark.parametrize("model", ["os.system", "components.mnist_model", "../mlp", "mlp; rm -rf /"])
def test_model_code_comes_only_from_the_declared_choices(write_spec, model):
    with pytest.raises(SpecError) as refused:
        load_spec(write_spec("name: baker\ningest: {kind: baker}\n"), [f"trainer.model={model!r}"])
    assert "is not a baker model; expected one of mlp, conv" in str(refused.value)


def test_a_file_that_is_not_text_is_one_line(tmp_path):
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00name: baker")
    with pytest.raises(SpecError) as refused:
        load_spec(path)
    assert str(refused.value).startswith(f"{path}: cannot read the pipeline file") and "\n" not in str(refused.value)
