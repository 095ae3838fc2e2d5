"""The installed distribution (setup.py): one import root, `tfxflow`, that a user's project cannot shadow.

The wheel is built from a copy of this checkout (setuptools writes build/ beside the sources) and
unpacked into a directory placed first on the path, as a non-editable install puts it in site-packages.
"""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """This checkout's wheel, unpacked: what `pip install .` puts into site-packages."""
    source = tmp_path_factory.mktemp("source")
    for part in ("pipelines", "components", "schemas"):
        shutil.copytree(REPO / part, source / part, ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("__init__.py", "setup.py", "README.md"):
        shutil.copy(REPO / part, source)
    wheels = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(wheels), str(source)], check=True, capture_output=True, cwd=wheels)
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(next(wheels.glob("tfxflow-*.whl"))) as wheel:
        wheel.extractall(site)
    return site


def test_the_wheel_installs_one_top_level_package(installed):
    tops = {path.name for path in installed.iterdir() if not path.name.endswith(".dist-info")}
    assert tops == {"tfxflow"}  # never top-level pipelines/, components/ or schemas/
    assert (installed / "tfxflow" / "schemas" / "mnist" / "schema.pbtxt").is_file()
    assert (installed / "tfxflow" / "pipelines" / "baker.yaml").is_file()
    entry_points = next(installed.glob("*.dist-info")).joinpath("entry_points.txt").read_text()
    assert "tfxflow = tfxflow.pipelines.cli:entry" in entry_points


def python(code: str, cwd: Path, site: Path) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site)})
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_a_user_project_with_its_own_components_and_pipelines_folders_shadows_nothing(installed, tmp_path):
    for folder in ("components", "pipelines", "schemas"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "__init__.py").write_text(f"MINE = {folder!r}\n")
    out = python(
        "import tfxflow.pipelines.build as build, components, pipelines, schemas;"
        "print(build.__file__); print(components.MINE, pipelines.MINE, schemas.MINE)",
        cwd=tmp_path, site=installed,
    )
    built, mine = out.splitlines()
    assert built.startswith(str(installed / "tfxflow"))
    assert mine == "components pipelines schemas"


def test_importing_tfxflow_changes_nothing_but_what_tensorflow_needs(installed, tmp_path):
    out = python(
        "import os, sys; env, path = dict(os.environ), list(sys.path); import tfxflow;"
        "print(sorted(set(os.environ.items()) ^ set(env.items()))); print(sys.path == path)",
        cwd=tmp_path, site=installed,
    )
    assert out.splitlines() == ["[('TF_USE_LEGACY_KERAS', '1')]", "True"]
