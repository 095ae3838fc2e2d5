"""Test code: a page rendered in a real headless Chromium (Debian's `chromium`, which `make test` installs
where it is missing), with every network request the page made.

    dom, requests = render(Path("report.html"))   # the DOM after loading, and the URLs the page asked for

Requests are read from Chromium's own net log: those whose network isolation key is the page's site
(file://), which leaves out the browser's own background requests (update checks, accounts).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The flags this machine's probe uses for a quiet headless Chromium as root.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def render(page: Path, timeout: float = 120) -> tuple[str, list[str]]:
    """The DOM of `page` after Chromium loaded it, and the URLs (not file: or data:) the page requested."""
    with tempfile.TemporaryDirectory(prefix="chromium-") as scratch:
        netlog = Path(scratch) / "netlog.json"
        done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={scratch}/profile", f"--log-net-log={netlog}",
                               "--dump-dom", page.resolve().as_uri()],
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, done.stderr[-2000:]
        log = json.loads(netlog.read_text())
    types = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    requests = []
    for event in log["events"]:
        params = event.get("params", {})
        if types.get(event["type"]) == "URL_REQUEST_START_JOB" and "file://" in params.get("network_isolation_key", ""):
            if not params["url"].startswith(("file:", "data:")):
                requests.append(params["url"])
    return done.stdout, requests
