"""Test code: a small in-memory server for the KFP v2beta1 endpoints tfxflow uses, on 127.0.0.1.

It refuses what Kubeflow Pipelines' API server refuses (kubeflow/pipelines at tag 2.17.0, and 2.5.0
as a second `profile`; each rule names the file it mirrors and where the tags differ), single-user
or `multi_user` as a full Kubeflow install runs it:
- bodies whose field names or types are not the API's (backend/api/v2beta1/swagger/*.swagger.json;
  2.14+ answers unknown fields with 400, earlier tags ignore them: the stricter is kept);
- uploads whose YAML documents hold no v2 PipelineSpec or two, a spec not of schema 2.1.0 or whose
  pipelineInfo.name breaks the pipeline-name rule, or two Kubernetes platform specs; a document
  that is neither is dropped without a word, as KFP drops it (`platform_spec` keeps what it kept);
- runs and recurring runs without an experiment in multi-user mode, with one that does not exist,
  or whose pipeline version the Argo compiler cannot compile (tests/kfp_local_executor.py's
  `check_compiles`, which the API server runs when it creates a run);
- experiments without a name, or without a namespace in multi-user mode; duplicates.
`requests` records what arrived.
"""
from __future__ import annotations

import cgi
import itertools
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import yaml

from kfp_local_executor import KFP_2_17, KfpError, Profile, check_compiles

INT64 = "int64 as a decimal string"
_REFERENCE = {"pipeline_id": str, "pipeline_version_id": str}
_RUNTIME_CONFIG = {"parameters": dict, "pipeline_root": str}
RUN = {
    "display_name": str, "description": str, "experiment_id": str, "service_account": str,
    "pipeline_version_reference": _REFERENCE, "runtime_config": _RUNTIME_CONFIG,
}
RECURRING_RUN = {
    **RUN,
    "namespace": str,
    "max_concurrency": INT64, "no_catchup": bool, "mode": ("ENABLE", "DISABLE"),
    "trigger": {"cron_schedule": {"cron": str, "start_time": str, "end_time": str},
                "periodic_schedule": {"interval_second": INT64, "start_time": str, "end_time": str}},
}
EXPERIMENT = {"display_name": str, "description": str, "namespace": str}
_FILTER = {"predicates": [{"key": str, "operation": ("EQUALS",), "string_value": str}]}
# backend/src/apiserver/common/utils.go@2.5.0:32 (pipelineNamePattern), checked on upload.
PIPELINE_NAME = r"^[a-z0-9][a-z0-9-]{0,127}$"


def type_errors(value: Any, schema: Any, where: str = "") -> list[str]:
    """Where `value` does not fit `schema` (dict of fields, [item schema], a type, INT64 or enum tuple)."""
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            return [f"{where or 'body'}: expected an object"]
        errors = [f"{where}{key}: unknown field" for key in value if key not in schema]
        for key in value.keys() & schema.keys():
            errors += type_errors(value[key], schema[key], f"{where}{key}.")
        return errors
    where = where.rstrip(".")
    if isinstance(schema, list):
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        return [e for i, item in enumerate(value) for e in type_errors(item, schema[0], f"{where}[{i}].")]
    if schema == INT64:
        return [] if isinstance(value, str) and value.lstrip("-").isdigit() else [f"{where}: expected {INT64}"]
    if isinstance(schema, tuple):
        return [] if value in schema else [f"{where}: expected one of {schema}"]
    return [] if type(value) is schema else [f"{where}: expected {schema.__name__}"]


class FakeKfp(ThreadingHTTPServer):
    """State: pipelines, versions, experiments, runs, recurring runs; `fail_with` makes every request fail."""

    def __init__(self, ssl_context: Any = None, multi_user: bool = False, profile: Profile = KFP_2_17) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.profile = profile
        if ssl_context is not None:
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True)
        self.multi_user = multi_user
        self.requests: list[dict[str, Any]] = []
        self.pipelines: dict[str, dict[str, Any]] = {}
        self.versions: dict[str, dict[str, Any]] = {}
        self.experiments: dict[str, dict[str, Any]] = {}
        self.runs: dict[str, dict[str, Any]] = {}
        self.recurring_runs: dict[str, dict[str, Any]] = {}
        self.fail_with: tuple[int, str] | None = None
        self._ids = itertools.count(1)

    @property
    def url(self) -> str:
        scheme = "https" if hasattr(self.socket, "context") else "http"
        return f"{scheme}://127.0.0.1:{self.server_address[1]}"

    def start(self) -> FakeKfp:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def new_id(self, kind: str) -> str:
        return f"{kind}-{next(self._ids)}"

    def namespace(self, requested: str | None) -> str:
        """resource_manager.go@2.5.0 ReplaceNamespace: single-user KFP keeps everything in ""."""
        return (requested or "") if self.multi_user else ""


class _Handler(BaseHTTPRequestHandler):
    server: FakeKfp

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        url = urlparse(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        record = {"method": method, "path": url.path, "query": query,
                  "authorization": self.headers.get("Authorization")}
        self.server.requests.append(record)
        try:
            if self.server.fail_with:
                raise _Refused(*self.server.fail_with)
            status, body = self._route(method, url.path, query, record)
        except _Refused as refused:
            status, body = refused.status, {"error": refused.message, "code": 3, "message": refused.message}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _route(self, method: str, path: str, query: dict[str, str], record: dict[str, Any]) -> tuple[int, Any]:
        state, parts = self.server, path.removeprefix("/apis/v2beta1/").split("/")
        if method == "GET" and parts == ["pipelines"]:
            namespace = state.namespace(query.get("namespace"))
            found = [p for p in state.pipelines.values() if p["namespace"] == namespace and _matches(p, query)]
            return 200, _page(found, "pipelines", query)
        if method == "POST" and parts[0] == "pipelines" and parts[1:] in (["upload"], ["upload_version"]):
            spec, platform = self._uploaded_spec()
            record["uploaded"] = spec
            if parts[1] == "upload":
                _require(query, "name")
                namespace = state.namespace(query.get("namespace"))
                if any(p["display_name"] == query["name"] and p["namespace"] == namespace
                       for p in state.pipelines.values()):
                    raise _Refused(409, f"pipeline {query['name']} already exists")
                pipeline = {"pipeline_id": state.new_id("pipeline"), "display_name": query["name"],
                            "namespace": namespace}
                state.pipelines[pipeline["pipeline_id"]] = pipeline
                self._add_version(pipeline["pipeline_id"], query["name"], spec, platform)
                return 200, pipeline
            _require(query, "name", "pipelineid")
            if query["pipelineid"] not in state.pipelines:
                raise _Refused(404, f"pipeline {query['pipelineid']} not found")
            return 200, self._add_version(query["pipelineid"], query["name"], spec, platform)
        if method == "GET" and parts[0] == "pipelines" and parts[2:] == ["versions"]:
            versions = [v for v in state.versions.values() if v["pipeline_id"] == parts[1] and _matches(v, query)]
            if query.get("sort_by") == "created_at desc":
                versions.reverse()
            return 200, _page(versions, "pipeline_versions", query)
        if method == "GET" and parts == ["experiments"]:
            # experiment_server.go@2.5.0:200-212,341-343: listing needs a namespace in multi-user mode.
            if state.multi_user and not query.get("namespace"):
                raise _Refused(400, "Invalid input error: An experiment cannot have an empty namespace in "
                                    "multi-user mode")
            namespace = state.namespace(query.get("namespace"))
            found = [e for e in state.experiments.values() if e["namespace"] == namespace and _matches(e, query)]
            return 200, _page(found, "experiments", query)
        if method == "POST" and parts == ["experiments"]:
            return 200, self._create_experiment(self._body(EXPERIMENT, record))
        if method == "POST" and parts in (["runs"], ["recurringruns"]):
            recurring = parts == ["recurringruns"]
            body = self._body(RECURRING_RUN if recurring else RUN, record)
            created = self._create_run(body, recurring)
            table = state.recurring_runs if recurring else state.runs
            table[created["recurring_run_id" if recurring else "run_id"]] = created
            return 200, created
        if method == "GET" and parts == ["recurringruns"]:
            # job_server.go@2.5.0:167-201 listJobs/canAccessJob: by experiment, or by a namespace.
            experiment = query.get("experiment_id")
            if state.multi_user and not experiment and not query.get("namespace"):
                raise _Refused(400, "Invalid input error: a recurring run cannot have an empty namespace in "
                                    "multi-user mode")
            runs = [r for r in state.recurring_runs.values()
                    if _matches(r, query) and (not experiment or r["experiment_id"] == experiment)]
            return 200, _page(runs, "recurringRuns", query)
        if method == "DELETE" and parts[0] == "recurringruns" and len(parts) == 2:
            if state.recurring_runs.pop(parts[1], None) is None:
                raise _Refused(404, f"recurring run {parts[1]} not found")
            return 200, {}
        raise _Refused(404, f"no route {method} {path}")

    def _body(self, schema: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        record["body"] = body
        errors = type_errors(body, schema)
        if errors:
            raise _Refused(400, "; ".join(errors))
        return body

    def _uploaded_spec(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The upload's PipelineSpec and Kubernetes platform spec ({} if none)."""
        form = cgi.FieldStorage(fp=self.rfile, headers=self.headers, environ={"REQUEST_METHOD": "POST"})
        if "uploadfile" not in form or not form["uploadfile"].filename.endswith((".yaml", ".yml")):
            raise _Refused(400, "expected a multipart field uploadfile with a .yaml file")
        failed = "Failed to create a pipeline and a pipeline version"
        try:
            documents = [doc for doc in yaml.safe_load_all(form["uploadfile"].file.read()) if doc]
        except yaml.YAMLError:  # template/v2_template.go@2.17.0:204-212
            raise _Refused(500, f"{failed}: unable to decode yaml document") from None
        # template/template.go@2.17.0:107-115 isPipelineSpec: any document with pipelineInfo.name and root
        specs = [doc for doc in documents if isinstance(doc, dict) and doc.get("pipelineInfo", {}).get("name")
                 and doc.get("root")]
        if not specs:
            raise _Refused(500, f"{failed}: unknown template format")
        if len(specs) > 1:  # v2_template.go@2.17.0:218-220
            raise _Refused(500, f"{failed}: multiple pipeline specs provided")
        spec = specs[0]
        # template/v2_template.go@2.17.0:230-232 (2.5.0:190-192): exactly 2.1.0.
        if spec.get("schemaVersion") != "2.1.0":
            raise _Refused(500, f"{failed}: KFP only supports schema version 2.1.0, but the pipeline spec has version "
                                f"{spec.get('schemaVersion')}")
        # resource_manager.go@2.17.0:500-513 -> common/utils.go@2.17.0:110-124 ValidatePipelineName.
        if not re.fullmatch(PIPELINE_NAME, spec["pipelineInfo"]["name"]):
            raise _Refused(500, f"{failed}: pipeline's name must contain only lowercase alphanumeric characters or "
                                "'-' and must start with alphanumeric characters")
        # v2_template.go@2.17.0:244-259,428-440 IsPlatformSpecWithKubernetesConfig: strict protojson of
        # PlatformSpec (api/v2alpha1/pipeline_spec.proto@2.17.0:1130-1153) with platforms.kubernetes;
        # any other document is ignored. Executor configs are Structs: not checked here.
        platforms = [doc for doc in documents if doc is not spec and _is_kubernetes_platform_spec(doc)]
        if len(platforms) > 1:
            raise _Refused(500, f"{failed}: multiple platform specs provided")
        return spec, platforms[0] if platforms else {}

    def _add_version(self, pipeline_id: str, name: str, spec: dict[str, Any],
                     platform: dict[str, Any]) -> dict[str, Any]:
        state = self.server
        if any(v["pipeline_id"] == pipeline_id and v["display_name"] == name for v in state.versions.values()):
            raise _Refused(409, f"version {name} already exists")
        version = {"pipeline_id": pipeline_id, "pipeline_version_id": state.new_id("version"),
                   "display_name": name, "pipeline_spec": spec, "platform_spec": platform}
        state.versions[version["pipeline_version_id"]] = version
        return version

    def _create_experiment(self, body: dict[str, Any]) -> dict[str, Any]:
        state = self.server
        if not body.get("display_name"):  # server/api_converter.go@2.5.0:53-55
            raise _Refused(500, "Experiment must have a non-empty name")
        if state.multi_user and not body.get("namespace"):  # experiment_server.go@2.5.0:341-343
            raise _Refused(400, "Invalid input error: An experiment cannot have an empty namespace in multi-user mode")
        namespace = state.namespace(body.get("namespace"))
        if any(e["display_name"] == body["display_name"] and e["namespace"] == namespace
               for e in state.experiments.values()):  # storage/experiment_store.go@2.5.0:261-263
            raise _Refused(409, f"Failed to create a new experiment. The name {body['display_name']} already exists.")
        experiment = {**body, "experiment_id": state.new_id("experiment"), "namespace": namespace}
        state.experiments[experiment["experiment_id"]] = experiment
        return experiment

    def _create_run(self, body: dict[str, Any], recurring: bool) -> dict[str, Any]:
        state = self.server
        what = "a recurring run" if recurring else "a new run"
        # server/api_converter.go@2.5.0:1210-1213 and 1888-1891: an empty name is an internal error.
        if not body.get("display_name"):
            raise _Refused(500, f"Failed to create {what}: name cannot be empty")
        if recurring:  # server/api_converter.go@2.5.0:1919-1933
            if not 1 <= int(body.get("max_concurrency", "0")) <= 10:
                raise _Refused(400, "Max concurrency of a recurring run must be at least 1 and at most 10")
            if not body.get("trigger", {}).get("cron_schedule", {}).get("cron"):
                raise _Refused(400, "trigger.cron_schedule.cron: required")
        # resource_manager.go@2.5.0:1962-1990: the experiment decides the namespace.
        experiment_id = body.get("experiment_id", "")
        if state.multi_user and not experiment_id:
            raise _Refused(400, f"Failed to create {what}: Invalid input error: Experiment id can not be empty in "
                                "multi-user mode")
        if experiment_id:
            if experiment_id not in state.experiments:
                raise _Refused(404, f"Failed to create {what}: experiment {experiment_id} not found")
            namespace = state.experiments[experiment_id]["namespace"]
            if body.get("namespace") and body["namespace"] != namespace:
                raise _Refused(400, f"Experiment {experiment_id} belongs to namespace '{namespace}' instead of "
                                    f"'{body['namespace']}'")
        else:  # single-user: the Default experiment, created when missing (CreateDefaultExperiment, :1525-1550)
            default = [e for e in state.experiments.values() if e["display_name"] == "Default"]
            experiment_id = (default[0] if default else self._create_experiment({"display_name": "Default"}))[
                "experiment_id"]
        reference = body.get("pipeline_version_reference", {})
        version = state.versions.get(reference.get("pipeline_version_id"))
        if version is None:
            raise _Refused(404, f"Failed to create {what}: pipeline version not found")
        try:  # template/v2_template.go@2.17.0:376-399 (2.5.0:305-319): the run is compiled into an Argo workflow
            check_compiles(version["pipeline_spec"], version.get("platform_spec", {}), state.profile)
        except KfpError as error:
            raise _Refused(500, f"Failed to create {what}: Failed to compile job: {error}") from None
        key = "recurring_run_id" if recurring else "run_id"
        created = {**body, key: state.new_id(key.removesuffix("_id")), "experiment_id": experiment_id}
        if recurring:
            created["status"] = "ENABLED" if body.get("mode") == "ENABLE" else "DISABLED"
        return created


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _is_kubernetes_platform_spec(document: Any) -> bool:
    """Whether strict protojson reads `document` as a PlatformSpec with a `kubernetes` platform."""
    if not isinstance(document, dict) or set(document) != {"platforms"} or not isinstance(document["platforms"], dict):
        return False
    single = {"deploymentSpec", "platform", "config", "pipelineConfig"}  # SinglePlatformSpec's fields
    kubernetes = document["platforms"].get("kubernetes")
    return (isinstance(kubernetes, dict) and set(kubernetes) <= single
            and set(kubernetes.get("deploymentSpec", {})) <= {"executors"})


def _require(query: dict[str, str], *keys: str) -> None:
    for key in keys:
        if not query.get(key):
            raise _Refused(400, f"query parameter {key} is required")


def _matches(item: dict[str, Any], query: dict[str, str]) -> bool:
    if "filter" not in query:
        return True
    parsed = json.loads(query["filter"])
    errors = type_errors(parsed, _FILTER)
    if errors:
        raise _Refused(400, f"invalid filter: {'; '.join(errors)}")
    return all(item.get(p["key"]) == p["string_value"] for p in parsed["predicates"])


def _page(items: list[dict[str, Any]], key: str, query: dict[str, str]) -> dict[str, Any]:
    size = int(query.get("page_size", "20"))
    start = int(query.get("page_token") or 0)
    page = {key: items[start : start + size], "total_size": len(items)}
    if start + size < len(items):
        page["next_page_token"] = str(start + size)
    return page
