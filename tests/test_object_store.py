"""components/object_store.py: which stores tfxflow reads and writes, how S3 is reached (the AWS SDK's
variables), and a store that cannot be used refused in one line, against a real S3 API server."""
import os
import subprocess
import sys
import time

import pytest

from tfxflow.components import object_store
from tfxflow.pipelines.kfp_entrypoint import with_artifact_uris

from conftest import REPO, TFXFLOW
from s3_server import S3Server


@pytest.mark.parametrize("location, expected", [
    ("minio://mlpipeline/v2/x.npz", "s3://mlpipeline/v2/x.npz"), ("s3://b/x", "s3://b/x"), ("gs://b/x", "gs://b/x"),
    ("data/x.csv", "data/x.csv"), ("MINIO://b/x", "s3://b/x"),
])
def test_minio_is_read_as_s3_and_everything_else_as_it_is(location, expected):
    assert object_store.io_uri(location) == expected


@pytest.mark.parametrize("uri, reason", [
    ("hdfs://nn/data.csv", "HDFS needs Hadoop's libhdfs and a JVM"),
    ("az://account/container/x", "Beam, which TFX's data components read and write with, names it azfs://"),
    ("ftp://host/x", "not a filesystem tf.io.gfile and Beam both read here"),
])
def test_schemes_no_component_can_use_are_refused_with_the_reason(uri, reason):
    with pytest.raises(ValueError) as refused:
        object_store.check(uri)
    assert reason in str(refused.value) and str(refused.value).endswith("expected a local path or gs://, s3://, minio://")


def test_artifacts_are_read_where_the_kfp_launcher_keeps_them_and_reported_at_their_uris():
    """LocalPathForURI (backend/src/v2/component/launcher_v2.go@2.17.0:1239-1253) and back."""
    for uri, local in [("minio://mlpipeline/v2/artifacts/p/model", "/minio/mlpipeline/v2/artifacts/p/model"),
                       ("s3://b/k", "/s3/b/k"), ("gs://b/k", "/gcs/b/k")]:
        assert object_store.launcher_path(uri) == local and object_store.launcher_uri(local) == uri
    assert object_store.launcher_path("file:///mnt/x") == "file:///mnt/x"  # no launcher copy: as it is
    given = with_artifact_uris({"inputs": {"artifacts": {"examples": {"artifacts": [{"uri": "minio://b/e"}]}}},
                                "outputs": {"artifacts": {"model": {"artifacts": [{"uri": "gs://b/m"}]}}}},
                               object_store.launcher_path)
    assert given["inputs"]["artifacts"]["examples"]["artifacts"][0]["uri"] == "/minio/b/e"
    assert given["outputs"]["artifacts"]["model"]["artifacts"][0]["uri"] == "/gcs/b/m"


def test_tf_io_gfile_needs_the_s3_filesystem_and_reads_and_writes_s3_with_it(s3):
    """The case that must fail (plain TensorFlow has no s3://) and the one that must pass, the second
    against the real server through the AWS variables alone."""
    plain = subprocess.run([sys.executable, "-c", "import tensorflow as tf; tf.io.gfile.exists('s3://b/k')"],
                           capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert "File system scheme 's3' not implemented" in plain.stderr
    s3.create_bucket("gfile")
    object_store.prepare("minio://gfile/dir/x.txt")
    import tensorflow as tf

    with tf.io.gfile.GFile("s3://gfile/dir/x.txt", "w") as stream:
        stream.write("hello")
    assert tf.io.gfile.isdir("s3://gfile/dir") and tf.io.gfile.listdir("s3://gfile/dir") == ["x.txt"]
    assert s3.keys("gfile") == ["dir/x.txt"]  # no folder objects: an object store has none
    assert object_store.read_file("s3://gfile/dir/x.txt") == b"hello"
    assert object_store.read_file("s3://gfile/dir/missing") is None


def refused(*args: str, env: dict) -> tuple[int, list[str], float]:
    started = time.monotonic()
    done = subprocess.run([TFXFLOW, *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    return done.returncode, done.stderr.splitlines(), time.monotonic() - started


def test_an_unreachable_endpoint_is_one_line_within_seconds(s3):
    env = {**os.environ, **s3.env, "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9"}
    code, lines, seconds = refused("runs", "pipelines/mnist.yaml", "--set", "pusher.serving_dir=s3://models/m", env=env)
    assert code == 2 and len(lines) == 1 and seconds < 60, (lines, seconds)
    assert lines[0].startswith("s3://models/m: cannot reach the S3 endpoint http://127.0.0.1:9 (AWS_ENDPOINT_URL_S3)")


def test_a_missing_bucket_is_one_line(s3):
    code, lines, _ = refused("drift", "pipelines/mnist.yaml", "--data", "minio://no-such-bucket/new.npz",
                             env={**os.environ, **s3.env})
    assert code == 2 and lines == [f"minio://no-such-bucket/new.npz: no bucket 'no-such-bucket' at the S3 endpoint "
                                   f"{s3.endpoint} (AWS_ENDPOINT_URL_S3); expected an existing bucket"]


def test_wrong_credentials_are_one_line_naming_the_cause_and_the_right_ones_pass():
    with S3Server(auth=True) as server:
        server.create_bucket("guarded")
        where = f"s3://guarded/m: the S3 endpoint {server.endpoint} (AWS_ENDPOINT_URL_S3)"
        for wrong, expected in [
            ({"AWS_SECRET_ACCESS_KEY": "wrong"},
             f"{where} refused the secret of AWS_ACCESS_KEY_ID {server.access_key}; expected its "
             "AWS_SECRET_ACCESS_KEY"),
            ({"AWS_ACCESS_KEY_ID": "AKIANOBODY"},
             f"{where} does not know AWS_ACCESS_KEY_ID AKIANOBODY; expected a key of that store"),
        ]:
            env = {**os.environ, **server.env, **wrong}
            code, lines, _ = refused("runs", "pipelines/mnist.yaml", "--set", "pusher.serving_dir=s3://guarded/m",
                                     env=env)
            assert code == 2 and lines == [expected]
        code, lines, _ = refused("runs", "pipelines/mnist.yaml", "--set", "pusher.serving_dir=s3://guarded/m",
                                 env={**os.environ, **server.env})
        assert code == 0 and lines == [], lines


def test_a_process_that_used_s3_exits_with_its_own_code(s3):
    """tensorflow-io 0.37.1 aborts at exit (134) once S3 was used: exit_process keeps the code."""
    s3.create_bucket("exits")
    code = ("from tfxflow.components import object_store; import tensorflow as tf; "
            "object_store.prepare('s3://exits/x'); tf.io.gfile.exists('s3://exits/x'); object_store.exit_process({})")
    env = {**os.environ, **s3.env, "TF_CPP_MIN_LOG_LEVEL": "3"}
    for wanted in (0, 3):
        done = subprocess.run([sys.executable, "-c", code.format(wanted)], capture_output=True, text=True, env=env)
        assert done.returncode == wanted and "pure virtual method called" not in done.stderr
    plain = subprocess.run([sys.executable, "-c", code.format(0).replace("object_store.exit_process(0)", "pass")],
                           capture_output=True, text=True, env=env)
    assert plain.returncode == -6 or plain.returncode == 134  # the abort the workaround avoids
