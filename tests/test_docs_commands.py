"""Every command the README and docs/ show works as written: each page's `sh` blocks run as one bash
script (`set -e`, so a failing command fails the page), page after page in the README's table order,
in one copy of the checkout beside ../shared, with `.venv/bin` first on PATH, as a user pastes them
after `make run`. A page may use what an earlier one made (the MNIST model of the commands page).

What differs from a user's machine, and nothing else:
- the example hosts are local emulations: KFP_HOST becomes the KFP API server of tests/kfp_api_server.py,
  S3_HOST a real S3 API server (moto's) holding the buckets and the MNIST file the pages use;
- three kinds of command are checked, not run (CHECKED_NOT_RUN, each with its reason).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from docs_pages import blocks, pages

pytestmark = pytest.mark.e2e

KFP_HOST = "https://kfp.example.com"
S3_HOST = "http://minio.example.com:9000"
S3_BUCKETS = {"data": {"mnist.npz": REPO.parent / "shared" / "data" / "mnist.npz"}, "runs": {}, "models": {}}
# A command starting so is rewritten (the pattern's match replaced), each for the reason given.
CHECKED_NOT_RUN = {
    r"^docker .*": ("true", "building and pushing an image needs a Docker daemon and a registry"),
    r"^make (test|bench)\b(.*)": ("make -n \\1\\2", "a dry run: `make test` is this suite, `make bench` is slow"),
    r"^(\.venv/bin/python bench/\S+)(.*?)(\s+#.*)?$": (
        "\\1\\2 --help > /dev/null", "the benchmark's arguments are parsed; each takes minutes"),
}


def script(page: Path, hosts: dict[str, str]) -> str:
    """The page's `sh` blocks as one bash script, each rewritten command noted."""
    lines = []
    for body in blocks(page, "sh"):
        for line in body.splitlines():
            for pattern, (replacement, reason) in CHECKED_NOT_RUN.items():
                line = re.sub(pattern, f"{replacement}  # checked, not run: {reason}", line)
            for host, local in hosts.items():
                line = line.replace(host, local)
            lines.append(line)
    return "set -eo pipefail\nPS4='+ line $LINENO: '\nset -x\n" + "\n".join(lines) + "\n"


def test_rewriting_keeps_everything_but_the_checked_commands(tmp_path):
    page_text = ("```sh\ndocker build -t R . && docker push R\nmake test PYTEST=tests\nmake run\n"
                 ".venv/bin/python bench/mnist_speed.py --pairs 5     # one hour\n"
                 "tfxflow submit x.yaml --endpoint https://kfp.example.com\n```\n")
    page = tmp_path / "page.md"
    page.write_text(page_text)
    body = script(page, {KFP_HOST: "http://127.0.0.1:1"}).split("set -x\n")[1]
    assert [line.split("  # checked, not run: ")[0] for line in body.splitlines()] == [
        "true", "make -n test PYTEST=tests", "make run",
        ".venv/bin/python bench/mnist_speed.py --pairs 5 --help > /dev/null", "tfxflow submit x.yaml --endpoint http://127.0.0.1:1"]
    assert body.count("# checked, not run: ") == 3


def test_a_failing_command_fails_its_page_and_an_expected_exit_code_passes(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```sh\ntrue\nfalse   # a command that fails\ntrue\n```\n")
    assert subprocess.run(["bash", "-c", script(page, {})], capture_output=True).returncode == 1
    page.write_text("```sh\nsh -c 'exit 1' || test $? = 1   # 1: drift found\n```\n")
    assert subprocess.run(["bash", "-c", script(page, {})], capture_output=True).returncode == 0
    page.write_text("```sh\nsh -c 'exit 2' || test $? = 1\n```\n")
    assert subprocess.run(["bash", "-c", script(page, {})], capture_output=True).returncode == 1


@pytest.fixture(scope="module")
def hosts():
    """The example hosts, served here: an S3 API server holding the pages' buckets, and KFP's API server."""
    from kfp_api_server import FakeKfp
    from s3_server import S3Server

    kfp = FakeKfp().start()
    with S3Server() as s3:
        for bucket, objects in S3_BUCKETS.items():
            s3.create_bucket(bucket)
            for key, path in objects.items():
                s3.client().upload_file(str(path), bucket, key)
        yield {KFP_HOST: kfp.url, S3_HOST: s3.endpoint}
    kfp.shutdown()


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A copy of the checkout's files (as a fresh clone has them, the venv linked), beside ../shared,
    with a home directory of its own (the pages write ~/churn)."""
    parent = tmp_path_factory.mktemp("docs")
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if (REPO / name).is_file():
            (parent / "checkout" / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, parent / "checkout" / name)
    (parent / "checkout" / ".venv").symlink_to(REPO / ".venv")
    (parent / "shared").symlink_to(REPO.parent / "shared")
    (parent / "home").mkdir()
    return parent


@pytest.mark.parametrize("page", [page for page in pages() if blocks(page, "sh")], ids=lambda page: page.name)
def test_every_command_on_the_page_works_as_written(page, checkout, hosts):
    env = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "KFP_", "S3_"))}
    env.update(HOME=str(checkout / "home"), PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(["bash", "-c", script(page, hosts)], cwd=checkout / "checkout", env=env,
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, f"{page.name}: exit {done.returncode}\n{done.stderr[-4000:]}"
