"""`tfxflow drift`: output, exit codes (0 clean, 1 drift or anomalies, 2 bad input) and the report page."""
import json

import numpy as np
import pytest
from click.testing import CliRunner
from test_drift import fresh, write_tfrecords

from tfxflow.pipelines.cli import main
from tfxflow.pipelines.drift import new_data_statistics
from tfxflow.pipelines.load import load_spec

from conftest import REPO

BAKER = str(REPO / "pipelines" / "baker.yaml")


def drift(*args):
    result = CliRunner().invoke(main, ["drift", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    statistics, _, _ = new_data_statistics(load_spec(BAKER, ["ingest.examples=4000"]), None)
    path = tmp_path_factory.mktemp("baseline") / "FeatureStats.pb"
    path.write_bytes(statistics.SerializeToString())
    return path


def test_same_generator_exits_0_with_a_table(baseline):
    code, out, err = drift(BAKER, "--baseline", baseline, "--set", "ingest.seed=3", "--set", "ingest.examples=2000")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"2000 examples from the baker generator (seed 3, 2000 sequences) against {baseline}"
    assert lines[1].split() == ["feature", "measure", "value", "threshold", "drifted"]
    assert lines[2].split()[:4] == ["label", "L-infinity", "distance", "0"] and lines[2].split()[-2:] == ["0.05", "no"]
    assert lines[3].startswith("  x        Jensen-Shannon divergence") and lines[3].split()[-2:] == ["0.0001", "no"]
    assert lines[-1] == "drift: none; anomalies: none"


def test_drift_exits_1_with_json_and_an_html_report(baseline, tmp_path):
    x, labels = fresh(9)
    labels[:] = 1  # every sequence labelled baker: the label distribution moved
    data = write_tfrecords(tmp_path / "new", x, labels)
    code, out, err = drift(BAKER, "--data", data, "--baseline", baseline, "--json", "--html", tmp_path / "r.html")
    assert code == 1, err
    result = json.loads(out)
    assert result["drifted"] is True and result["anomalies"] == [] and result["examples"] == 2000
    label = next(f for f in result["features"] if f["feature"] == "label")
    assert label == {"feature": "label", "measure": "L-infinity distance", "value": pytest.approx(0.5),
                     "threshold": 0.05, "drifted": True}
    page = (tmp_path / "r.html").read_text()
    assert "<h1>Drift: drift in label (L-infinity distance 0.5 &gt; 0.05)</h1>" in page
    assert "<h2>Statistics</h2>" in page and page.count("data:image/png;base64,") == 2  # x and label, inline
    assert "<script" not in page  # nothing to fetch (tests/test_html_offline.py renders one in Chromium)


def test_anomalies_exit_1_and_are_listed(baseline, tmp_path):
    x, labels = fresh(10)
    x[0, 0] = 1.5  # outside the schema's [0, 1]
    code, out, _ = drift(BAKER, "--data", write_tfrecords(tmp_path / "new", x, labels), "--baseline", baseline)
    assert code == 1
    assert "feature 'x': Out-of-range values" in out and out.splitlines()[-1].endswith("anomalies: 1")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--set", "run.root=RUNROOT"], "no served model with training statistics in RUNROOT/serving and no "
                                        "--baseline: run the pipeline first or pass --baseline FILE"),
        (["--baseline", "GARBAGE"], "--baseline: GARBAGE: not a TFDV statistics file"),
        (["--data", "EMPTY"], "--data: EMPTY: expected a directory of TFRecord files of baker tf.Examples"),
        (["--data", "GARBAGE", "--baseline", "GARBAGE"], "--data: GARBAGE: expected a directory of TFRecord files"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    paths = {"RUNROOT": tmp_path / "runs", "GARBAGE": tmp_path / "garbage.pb", "EMPTY": tmp_path / "empty"}
    paths["GARBAGE"].write_bytes(b"\x00not statistics")
    paths["EMPTY"].mkdir()
    args = [str(paths.get(a, a)) if a in paths else a for a in args]
    args = [a.replace("RUNROOT", str(paths["RUNROOT"])) for a in args]
    code, out, err = drift(BAKER, *args)
    expected = message
    for name, path in paths.items():
        expected = expected.replace(name, str(path))
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and err.startswith(expected)


def test_mnist_needs_data(tmp_path):
    code, _, err = drift(REPO / "pipelines" / "mnist.yaml", "--baseline", tmp_path / "x.pb")
    assert code == 2 and err.strip() == "--data: required for an MNIST pipeline: an .npz like the pipeline's input"


def test_mnist_bad_npz_is_refused(tmp_path):
    np.savez(tmp_path / "bad.npz", x_test=np.zeros((2, 28, 27), np.uint8))  # images alone are new data, not these
    code, _, err = drift(REPO / "pipelines" / "mnist.yaml", "--data", tmp_path / "bad.npz")
    assert code == 2 and "x_test: shape (2, 28, 27); expected (N, 28, 28)" in err and len(err.splitlines()) == 1


def test_statistics_of_another_pipeline_are_refused_as_baseline(tmp_path):
    mnist_like = tmp_path / "mnist.npz"
    np.savez(mnist_like, x_train=np.zeros((4, 28, 28), np.uint8), y_train=np.arange(4), x_test=np.zeros((2, 28, 28),
             np.uint8), y_test=np.arange(2))
    statistics, _, _ = new_data_statistics(load_spec(REPO / "pipelines" / "mnist.yaml"), mnist_like)
    (tmp_path / "mnist.pb").write_bytes(statistics.SerializeToString())
    code, _, err = drift(BAKER, "--baseline", tmp_path / "mnist.pb", "--set", "ingest.examples=100")
    assert code == 2 and err.strip() == (f"baseline {tmp_path / 'mnist.pb'}: no statistics of x; "
                                         "expected the training statistics of a baker pipeline")
