"""Draws docs/report.png, the README's picture of a run's report: the shipped baker pipeline run on a
fresh root, and the top of the HTML report it wrote, rendered by headless Chromium (Debian's
`chromium`, which `make test` installs for the tests' own rendering).

    .venv/bin/python docs/report_picture.py      # about a minute; `make docs` runs it
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
# The top of the report: the components and their timeline, each feature's statistics, the evaluation.
WINDOW = "1100,1500"


def run_report(root: Path) -> Path:
    """The report of a first run of pipelines/baker.yaml under `root`."""
    tfxflow = Path(sys.executable).with_name("tfxflow")
    done = subprocess.run([str(tfxflow), "run", "pipelines/baker.yaml", "--json", "--set", f"run.root={root}"],
                          cwd=DOCS.parent, capture_output=True, text=True, check=True)
    return Path(json.loads(done.stdout)["report"])


def screenshot(page: Path, picture: Path) -> None:
    """`page` as Chromium draws it in a WINDOW-sized viewport, written to `picture` (PNG)."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={profile}", f"--window-size={WINDOW}", f"--screenshot={picture}",
                        page.resolve().as_uri()], capture_output=True, check=True, timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DOCS / "report.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tfxflow-picture-") as root:
        screenshot(run_report(Path(root)), args.output)
    print(args.output)


if __name__ == "__main__":
    main()
