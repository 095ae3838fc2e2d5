"""Every HTML page tfxflow writes works with no network: a run's report and `tfxflow drift --html`,
rendered in a real headless Chromium (tests/browser.py), show their content and request nothing."""
import json
import re
import subprocess
from pathlib import Path

import pytest

from browser import render
from conftest import BAKER_SMALL, REPO, TFXFLOW

pytestmark = pytest.mark.e2e


def test_a_page_that_fetches_from_the_network_is_caught(tmp_path):
    """The check itself: a page with a remote image and script is seen requesting both."""
    page = tmp_path / "remote.html"
    page.write_text("<html><body><p>hello</p><img src='http://127.0.0.1:9/x.png'>"
                    "<script src='https://cdn.example.com/a.js'></script></body></html>")
    dom, requests = render(page)
    assert "<p>hello</p>" in dom
    assert sorted(requests) == ["http://127.0.0.1:9/x.png", "https://cdn.example.com/a.js"]


def test_the_run_report_shows_every_section_and_requests_nothing(baker_first_run):
    code, summary, _ = baker_first_run
    report = Path(summary["report"])
    assert code == 0 and report.is_file() and report.parent.name == "reports"
    dom, requests = render(report)
    assert requests == []
    for heading in ("Components", "Data", "Schema anomalies", "Drift against the served model", "Evaluation",
                    "Confusion matrix", "Training", "Sample predictions"):
        assert f">{heading}</h" in dom, heading
    assert "BakerExampleGen" in dom and "train: 2,000 examples, eval: 500 examples" in dom
    assert f"Accuracy {summary['metrics']['accuracy']:.4f} on 500 eval examples" in dom
    images = re.findall(r"<img [^>]*src=\"([^\"]{0,40})", dom)
    assert len(images) >= 3 and all(src.startswith("data:image/png;base64,") for src in images)


def test_tfxflow_report_writes_the_same_page_again(baker_first_run, baker_root):
    _, summary, _ = baker_first_run
    report = Path(summary["report"])
    original = report.read_bytes()
    report.unlink()
    done = subprocess.run([TFXFLOW, "report", summary["run_id"], "--pipeline", "pipelines/baker.yaml",
                           "--set", f"run.root={baker_root}"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0 and Path(done.stdout.strip()) == report, done.stderr
    assert report.read_bytes() == original
    done = subprocess.run([TFXFLOW, "report", "2000-01-01T00:00:00"], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 2 and done.stderr.startswith("no run '2000-01-01T00:00:00' in runs/*/metadata.sqlite")


def test_the_drift_page_shows_the_table_and_both_statistics_and_requests_nothing(baker_first_run, baker_root,
                                                                                 tmp_path):
    page = tmp_path / "drift.html"
    args = [TFXFLOW, "drift", "pipelines/baker.yaml", "--set", f"run.root={baker_root}", "--html", str(page),
            "--json"]
    for override in [*BAKER_SMALL, "ingest.seed=7"]:
        args += ["--set", override]
    done = subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    dom, requests = render(page)
    assert requests == []
    assert all(f"<td>{f['feature']}</td>" in dom for f in json.loads(done.stdout)["features"])
    assert "new data: 2,000 examples, baseline: 2,000 examples" in dom and dom.count("data:image/png;base64,") == 2
