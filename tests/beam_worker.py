"""A Beam SDK worker that logs to stderr, under its id and process id, each bundle it executes: what the
SDK container's boot program runs (sdks/python/container/boot.go starts apache_beam's SdkHarness).

Started by Beam's worker pool (`worker_pool_main --container_executable`, whose container contract passes
`--id` and `--control_endpoint`) or by the job service's subprocess environment
(`--environment_type=beam:env:harness_subprocess_python:v1`, which sets WORKER_ID and
CONTROL_API_SERVICE_DESCRIPTOR):

    python tests/beam_worker.py --id worker_1 --control_endpoint localhost:40123
"""
import argparse
import logging
import os
import sys

from apache_beam.portability.api import endpoints_pb2
from apache_beam.runners.worker.sdk_worker import SdkHarness
from google.protobuf import text_format


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--id", default=os.environ.get("WORKER_ID", ""))
    parser.add_argument("--control_endpoint")
    args, _ = parser.parse_known_args()
    control = args.control_endpoint or text_format.Parse(
        os.environ["CONTROL_API_SERVICE_DESCRIPTOR"], endpoints_pb2.ApiServiceDescriptor()).url
    os.dup2(2, 1)  # the worker pool never reads a worker's stdout pipe: a full one would stop the worker
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format=f"%(asctime)s {args.id} pid {os.getpid()} %(levelname)s %(message)s")
    logging.getLogger("apache_beam.runners.worker.sdk_worker").setLevel(logging.DEBUG)  # "Got work bundle_N"
    SdkHarness(control, worker_id=args.id).run()


if __name__ == "__main__":
    main()
