"""The import contracts of setup.cfg (import-linter): the engine above the components, which never
import it, and no import cycle inside any package. They hold for this checkout, and a copy of it
with one planted layer break and one planted cycle breaks both, by those imports."""
import configparser
import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO, copy_project

LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))
CONFIG = REPO / "setup.cfg"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """setup.cfg's contracts checked on the `tfxflow` package found from `cwd` (first on the path)."""
    return subprocess.run([LINT_IMPORTS, "--config", str(CONFIG), "--no-cache", "--no-logo"],
                          cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_the_contracts_hold():
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    contracts = [name for name in parser.sections() if name.startswith("importlinter:contract:")]
    done = lint_imports(REPO)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert f"Contracts: {len(contracts)} kept, 0 broken." in done.stdout


def test_a_component_importing_the_engine_and_an_import_cycle_break_them(tmp_path):
    copy = copy_project(tmp_path)
    with open(copy / "components" / "user_code.py", "a") as module:
        module.write("\nfrom tfxflow.pipelines import spec  # planted: a component importing the engine\n")
    with open(copy / "components" / "npz_example_gen" / "mnist_npz.py", "a") as module:
        module.write("\nfrom tfxflow.components.npz_example_gen import arrays  # planted: arrays imports mnist_npz\n")
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Contracts: 0 kept, 2 broken." in done.stdout
    assert re.search(r"- tfxflow\.components\.user_code -> tfxflow\.pipelines\.spec \(l\.\d+\)", done.stdout)
    assert "No cycles are allowed in tfxflow.components.npz_example_gen." in done.stdout
    assert "- .mnist_npz -> .arrays (1 import)" in done.stdout or "- .arrays -> .mnist_npz (1 import)" in done.stdout
