"""Where tfxflow reads and writes: local paths and the object stores gs://, s3:// and minio://.

    prepare("minio://mlpipeline/data/mnist.npz")   # before the first read or write: S3 made readable
    io_uri("minio://mlpipeline/data/mnist.npz")    # "s3://mlpipeline/data/mnist.npz", as tf.io.gfile reads it

TFX and tfxflow read and write every file with tf.io.gfile (TFX's fileio) or Beam's FileSystems:
- `gs://` is built into both (TensorFlow itself; Beam's gcp extra).
- `s3://` is S3's API, of AWS or of any S3-compatible store (MinIO, SeaweedFS, Ceph): tf.io.gfile
  reads it through tensorflow-io's S3 filesystem plug-in (TensorFlow 2.16 has no S3 of its own),
  which `prepare` registers in a process that uses an s3 location, and Beam through its aws extra
  (boto3).
- `minio://` is what Kubeflow Pipelines calls its installation's own store (MinIO; SeaweedFS from
  KFP 2.16, behind the same scheme); its API is S3's, so it is read as `s3://` at the endpoint the
  environment names.
Endpoint, region and credentials are the AWS SDK's standard variables, read by boto3 and the AWS
CLI alike: AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL), AWS_REGION, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY; tensorflow-io's plug-in has names of its own, which `use_s3` sets from them.

Object stores have no directories and no atomic rename: what "atomic" means there is the
Pusher's (components/atomic_pusher/executor.py). On Kubeflow, the launcher copies each task's
artifacts between the store and the pod's local paths /gcs/, /s3/ and /minio/ (`launcher_path`).
"""
from __future__ import annotations

import functools
import glob
import logging
import os
import re
import sys
from typing import NoReturn, Optional

from tfxflow.components.errors import BadInput

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# What each scheme is read through here; a scheme not listed is refused with its reason.
SCHEMES = {
    "gs": "Google Cloud Storage (tf.io.gfile, Beam's gcp extra)",
    "s3": "AWS S3 or an S3-compatible store (tensorflow-io's S3 filesystem, Beam's aws extra)",
    "minio": "Kubeflow Pipelines' own S3-compatible store (MinIO or SeaweedFS), read as s3://",
    "file": "a local path (on Kubeflow: a volume every pod mounts at that path)",
}
OBJECT_STORES = ("gs", "s3", "minio")
_REFUSED = {
    "hdfs": "HDFS needs Hadoop's libhdfs and a JVM in every process, which neither this environment nor "
            "the tfxflow image has",
    "az": "tf.io.gfile names Azure Blob Storage az:// but Beam, which TFX's data components read and write "
          "with, names it azfs://, so no one URI serves both",
}
# Where Kubeflow Pipelines' launcher keeps a task's copy of each artifact: LocalPathForURI in
# backend/src/v2/component/launcher_v2.go (2.5.0:882-896, 2.17.0:1239-1253).
LAUNCHER_PATHS = {"gs": "/gcs/", "minio": "/minio/", "s3": "/s3/"}


def scheme(location: str) -> str:
    """The URI scheme of `location`, lowercased ("" for a local path)."""
    found = _SCHEME.match(location)
    return found.group(1).lower() if found else ""


def check(location: str) -> str:
    """`location` if its scheme is one tfxflow reads and writes; else ValueError, one line saying why.

        check("s3://acme/data.csv")    # returned as it is
        check("hdfs://nn/data.csv")    # ValueError: hdfs:// is not supported: HDFS needs ...
    """
    found = scheme(location)
    if found and found not in SCHEMES:
        reason = _REFUSED.get(found, "it is not a filesystem tf.io.gfile and Beam both read here")
        raise ValueError(f"{found}:// is not supported: {reason}; expected a local path or "
                         f"{', '.join(f'{s}://' for s in OBJECT_STORES)}")
    return location


def is_object_store(location: str) -> bool:
    """Whether `location` is in an object store (no directories, no rename), not on a filesystem."""
    return scheme(location) in OBJECT_STORES


def io_uri(location: str) -> str:
    """`location` as tf.io.gfile and Beam read it: minio:// as s3://, anything else as it is."""
    return "s3://" + location[len("minio://"):] if scheme(location) == "minio" else location


class StoreError(BadInput):
    """An object store that cannot be used as configured; the message is one line naming the location."""


def prepare(*locations: object) -> None:
    """Makes the stores of `locations` (URIs or paths) readable in this process, and checks that each S3
    location among them can be listed (StoreError otherwise): tf.io.gfile cannot tell an unreachable
    endpoint, refused credentials or a missing bucket from a missing file (its `exists` is False for all)."""
    s3 = [location for location in locations if isinstance(location, str) and scheme(location) in ("s3", "minio")]
    if not s3:
        return
    _configure_from_aws_variables()
    for location in {io_uri(location).split("/")[2]: location for location in s3}.values():
        check_reachable(location)  # boto3 only: a refusal comes before TensorFlow is imported
    use_s3()


def check_reachable(location: str) -> None:
    """StoreError, one line, unless `location` (s3:// or minio://) can be listed at the endpoint the AWS
    variables name with their credentials (S3's ListObjectsV2 of its key, through boto3: what
    tf.io.gfile needs, and allowed by a policy that grants ListBucket on a prefix only, unlike
    HeadBucket; its error names the cause, which a HEAD request's empty body does not)."""
    import boto3
    import botocore.config
    import botocore.exceptions

    bucket, _, key = io_uri(location)[len("s3://"):].partition("/")
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    where = f"the S3 endpoint {endpoint} (AWS_ENDPOINT_URL_S3)" if endpoint else "AWS S3 (no AWS_ENDPOINT_URL_S3 set)"
    config = botocore.config.Config(connect_timeout=5, read_timeout=20, retries={"mode": "standard", "max_attempts": 2})
    try:
        boto3.session.Session().client("s3", config=config).list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
    except botocore.exceptions.NoCredentialsError:
        raise StoreError(f"{location}: no S3 credentials; expected AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                         "(or another source boto3 reads)") from None
    except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError,
            botocore.exceptions.ReadTimeoutError) as error:
        raise StoreError(f"{location}: cannot reach {where}: {error}") from None
    except botocore.exceptions.ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        user = f"AWS_ACCESS_KEY_ID {os.environ.get('AWS_ACCESS_KEY_ID', '(none)')}"
        refusals = {
            "NoSuchBucket": f"no bucket {bucket!r} at {where}; expected an existing bucket",
            "InvalidAccessKeyId": f"{where} does not know {user}; expected a key of that store",
            "SignatureDoesNotMatch": f"{where} refused the secret of {user}; expected its AWS_SECRET_ACCESS_KEY",
            "AccessDenied": f"{where} denied {user} the listing of bucket {bucket!r}; expected a key that may read "
                            "and write it",
        }
        raise StoreError(f"{location}: {refusals.get(code, f'{where} answered {code or error}')}") from None


_s3_used = False


@functools.cache
def use_s3() -> None:
    """Registers tensorflow-io's S3 filesystem with tf.io.gfile, configured from the AWS variables."""
    global _s3_used
    _configure_from_aws_variables()
    _s3_used = True
    try:
        # What tensorflow-transform itself does wherever it touches files (tensorflow_transform/__init__.py:
        # "TF 2.6 split support for filesystems such as Amazon S3 out to the `tensorflow_io` package"):
        # importing it registers its filesystems, S3's among them, with tf.io.gfile.
        import tensorflow_io  # noqa: F401
    except ModuleNotFoundError:
        raise RuntimeError("s3:// needs tensorflow-io's S3 filesystem: pip install tensorflow-io==0.37.1") from None
    # Beam's S3 filesystem builds its client from pipeline options, which a read outside a pipeline
    # (TFX's CSV record reader, as `schema infer` uses it) has none of: "Must provide one of client or
    # options" (apache_beam/io/aws/s3filesystem.py). Empty ones leave boto3 to the AWS variables; a
    # pipeline sets its own when it starts (apache_beam/pipeline.py, FileSystems.set_options).
    from apache_beam.io.filesystems import FileSystems
    from apache_beam.options.pipeline_options import PipelineOptions

    FileSystems.set_options(PipelineOptions([]))


def _configure_from_aws_variables() -> None:
    """Sets what the S3 clients read from what the AWS variables say, which win over any other
    setting: tensorflow-io's S3_ENDPOINT (a URL such as http://minio:9000) from AWS_ENDPOINT_URL_S3
    or AWS_ENDPOINT_URL (tensorflow_io/core/filesystems/s3/s3_filesystem.cc@v0.37.1, GetS3Client),
    and AWS_DEFAULT_REGION from AWS_REGION for boto3 (Beam's S3 filesystem), which reads only the
    former. Where not set already: short connect and request timeouts (GetDefaultClientConfig), and
    the AWS SDK's standard retry mode with 3 attempts, boto3's own default (its legacy mode tries a
    refused endpoint 22 times, 51 s, before it gives up)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        os.environ["S3_ENDPOINT"] = endpoint.rstrip("/")
    if os.environ.get("AWS_REGION"):
        os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"]
    os.environ.setdefault("S3_CONNECT_TIMEOUT_MSEC", "5000")
    os.environ.setdefault("S3_REQUEST_TIMEOUT_MSEC", "60000")
    os.environ.setdefault("AWS_RETRY_MODE", "standard")
    os.environ.setdefault("AWS_MAX_ATTEMPTS", "3")


class _LocalFiles:
    """The part of tfx.dsl.io.fileio tfxflow uses, for local paths: reading a local serving directory
    (`tfxflow runs`) or a run's outputs (`tfxflow report`) then needs no TensorFlow."""

    exists, isdir, listdir = staticmethod(os.path.exists), staticmethod(os.path.isdir), staticmethod(os.listdir)
    glob, open, walk = staticmethod(glob.glob), staticmethod(open), staticmethod(os.walk)  # noqa: A003

    @staticmethod
    def makedirs(path: str) -> None:
        os.makedirs(path, exist_ok=True)


def filesystem(location: str):  # -> tfx.dsl.io.fileio, or _LocalFiles
    """What reads and writes `location`: tf.io.gfile (TFX's fileio) for a URI (S3's filesystem registered
    first where needed), plain files for a local path (no TensorFlow imported).

        with filesystem(path).open(path, "rb") as stream: ...
    """
    if not scheme(location):
        return _LocalFiles
    if scheme(location) == "s3":
        use_s3()
    from tfx.dsl.io import fileio

    return fileio


def read_file(location: str) -> Optional[bytes]:
    """The bytes of the file at `location` (a path or URI), or None if there is none."""
    files = filesystem(location)
    if not files.exists(location) or files.isdir(location):
        return None
    with files.open(location, "rb") as stream:
        return stream.read()


def exit_process(code: object) -> NoReturn:
    """Ends the process with `code` (SystemExit's: None, an int, or a message for stderr and 1).

    tensorflow-io 0.37.1's S3 filesystem aborts the process in its C++ static destructors at exit
    ("pure virtual method called", exit 134: tensorflow/io#2039, with TF 2.16.2; the fix,
    tensorflow/io#2120, is in no release for TF 2.16), which would replace any exit code with 134. A
    process that used it ends with os._exit once its output is flushed; others exit as usual.
    """
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    code = 0 if code is None else int(code)
    if not _s3_used:
        sys.exit(code)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def s3_used() -> bool:
    """Whether this process registered the S3 filesystem (and must end through exit_process)."""
    return _s3_used


def launcher_path(uri: str) -> str:
    """The local path where Kubeflow Pipelines' launcher keeps a task's copy of the artifact at `uri`
    (it downloads inputs there before the command runs and uploads outputs from there after), or
    `uri` itself when the launcher has none (another scheme).

        launcher_path("minio://mlpipeline/v2/artifacts/p/r/Trainer/u/model")   # "/minio/mlpipeline/v2/..."
    """
    prefix = LAUNCHER_PATHS.get(scheme(uri))
    return prefix + uri.split("://", 1)[1] if prefix else uri


def launcher_uri(path: str) -> str:
    """The artifact URI whose launcher copy is `path` (launcher_path's inverse), or `path` itself."""
    for found, prefix in LAUNCHER_PATHS.items():
        if path.startswith(prefix):
            return f"{found}://{path[len(prefix):]}"
    return path
