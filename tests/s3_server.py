"""Test code: a real S3 API server process on 127.0.0.1 (moto's server mode, `moto_server`), standing in
for AWS S3, MinIO or KFP's SeaweedFS; what tfxflow reads and writes goes through its HTTP API.

    with S3Server() as s3:
        s3.create_bucket("mlpipeline")
        subprocess.run([...], env={**os.environ, **s3.env})   # the AWS SDK's standard variables
"""
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

ACCESS_KEY, SECRET_KEY = "tfxflow-test", "tfxflow-test-secret"


class S3Server:
    """`moto_server` on a free port; with `auth`, requests must be signed by an access key the server
    knows (moto's INITIAL_NO_AUTH_ACTION_COUNT: the first requests create that key)."""

    def __init__(self, auth: bool = False) -> None:
        self.auth = auth
        self.process: Optional[subprocess.Popen] = None
        self.access_key, self.secret_key = ACCESS_KEY, SECRET_KEY
        self.endpoint = ""

    @property
    def env(self) -> dict[str, str]:
        """The AWS SDK's variables that reach this server (boto3, the AWS CLI and tfxflow read them)."""
        return {"AWS_ENDPOINT_URL_S3": self.endpoint, "AWS_REGION": "us-east-1",
                "AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}

    def __enter__(self) -> S3Server:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{port}"
        env = {**os.environ, **({"INITIAL_NO_AUTH_ACTION_COUNT": "3"} if self.auth else {})}
        server = os.path.join(os.path.dirname(sys.executable), "moto_server")
        self.process = subprocess.Popen([server, "-H", "127.0.0.1", "-p", str(port)], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start on {self.endpoint}") from None
                time.sleep(0.1)
        if self.auth:  # the three unauthenticated requests: a user, its access key, its right to use S3
            iam = self.client("iam")
            iam.create_user(UserName="tfxflow")
            key = iam.create_access_key(UserName="tfxflow")["AccessKey"]
            iam.put_user_policy(UserName="tfxflow", PolicyName="s3", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
            self.access_key, self.secret_key = key["AccessKeyId"], key["SecretAccessKey"]
        return self

    def __exit__(self, *exc: Any) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def client(self, service: str = "s3") -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key)

    def create_bucket(self, name: str) -> None:
        """Creates the bucket `name` unless it exists."""
        client = self.client()
        if name not in [bucket["Name"] for bucket in client.list_buckets()["Buckets"]]:
            client.create_bucket(Bucket=name)

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every object's key under `prefix`, listed through the S3 API."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


class FlakyStore(ThreadingHTTPServer):
    """An HTTP proxy on 127.0.0.1 in front of an S3 server: forwards every request, records the key of
    each object written (PUT) in order, and once `fail_after` objects were written, answers every
    request `503 Slow Down` (a store that fails midway) until `fail_after` is None again.

        with S3Server() as s3, FlakyStore(s3.endpoint, fail_after=3) as store:
            env = {**s3.env, "AWS_ENDPOINT_URL_S3": store.endpoint}
    """

    def __init__(self, upstream: str, fail_after: Optional[int] = None) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream = urllib.parse.urlparse(upstream)
        self.fail_after = fail_after
        self.written: list[str] = []
        self.refused = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> FlakyStore:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()


class _Forward(BaseHTTPRequestHandler):
    server: FlakyStore
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        store = self.server
        if store.fail_after is not None and len(store.written) >= store.fail_after:
            store.refused += 1
            self.send_response(503, "Slow Down")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.command == "PUT" and "uploadId=" not in self.path:
            store.written.append(urllib.parse.unquote(urllib.parse.urlparse(self.path).path.lstrip("/")))
        connection = http.client.HTTPConnection(store.upstream.hostname, store.upstream.port, timeout=60)
        connection.request(self.command, self.path, body, dict(self.headers))
        answer = connection.getresponse()
        data = answer.read()
        self.send_response(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        connection.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward
