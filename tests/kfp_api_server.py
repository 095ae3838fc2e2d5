"""Test code: a small in-memory server for the KFP v2beta1 endpoints tfxflow uses, on 127.0.0.1.

Every request body is checked against the API's field names and types (from KFP's v2beta1
swagger: run.swagger.json, recurring_run.swagger.json, pipeline.swagger.json); a body that would
not parse on a real KFP gets 400, as KFP answers. `requests` records what arrived.
"""
from __future__ import annotations

import cgi
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import yaml

INT64 = "int64 as a decimal string"
_REFERENCE = {"pipeline_id": str, "pipeline_version_id": str}
_RUNTIME_CONFIG = {"parameters": dict, "pipeline_root": str}
RUN = {
    "display_name": str, "description": str, "experiment_id": str, "service_account": str,
    "pipeline_version_reference": _REFERENCE, "runtime_config": _RUNTIME_CONFIG,
}
RECURRING_RUN = {
    **RUN,
    "max_concurrency": INT64, "no_catchup": bool, "mode": ("ENABLE", "DISABLE"),
    "trigger": {"cron_schedule": {"cron": str, "start_time": str, "end_time": str},
                "periodic_schedule": {"interval_second": INT64, "start_time": str, "end_time": str}},
}
_FILTER = {"predicates": [{"key": str, "operation": ("EQUALS",), "string_value": str}]}


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
    """State: pipelines, versions, runs, recurring runs; `fail_with` makes every request fail."""

    def __init__(self, ssl_context: Any = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        if ssl_context is not None:
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True)
        self.requests: list[dict[str, Any]] = []
        self.pipelines: dict[str, dict[str, Any]] = {}
        self.versions: dict[str, dict[str, Any]] = {}
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
            return 200, _page([p for p in state.pipelines.values() if _matches(p, query)], "pipelines", query)
        if method == "POST" and parts[0] == "pipelines" and parts[1:] in (["upload"], ["upload_version"]):
            spec = self._uploaded_spec()
            record["uploaded"] = spec
            if parts[1] == "upload":
                _require(query, "name")
                if any(p["display_name"] == query["name"] for p in state.pipelines.values()):
                    raise _Refused(409, f"pipeline {query['name']} already exists")
                pipeline = {"pipeline_id": state.new_id("pipeline"), "display_name": query["name"]}
                state.pipelines[pipeline["pipeline_id"]] = pipeline
                self._add_version(pipeline["pipeline_id"], query["name"], spec)
                return 200, pipeline
            _require(query, "name", "pipelineid")
            if query["pipelineid"] not in state.pipelines:
                raise _Refused(404, f"pipeline {query['pipelineid']} not found")
            return 200, self._add_version(query["pipelineid"], query["name"], spec)
        if method == "GET" and parts[0] == "pipelines" and parts[2:] == ["versions"]:
            versions = [v for v in state.versions.values() if v["pipeline_id"] == parts[1] and _matches(v, query)]
            if query.get("sort_by") == "created_at desc":
                versions.reverse()
            return 200, _page(versions, "pipeline_versions", query)
        if method == "POST" and parts in (["runs"], ["recurringruns"]):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            record["body"] = body
            recurring = parts == ["recurringruns"]
            errors = type_errors(body, RECURRING_RUN if recurring else RUN)
            errors += self._missing(body, recurring)
            if errors:
                raise _Refused(400, "; ".join(errors))
            key, table = ("recurring_run_id", state.recurring_runs) if recurring else ("run_id", state.runs)
            created = {**body, key: state.new_id(key.removesuffix("_id")),
                       **({"status": "ENABLED" if body.get("mode") == "ENABLE" else "DISABLED"} if recurring else {})}
            table[created[key]] = created
            return 200, created
        if method == "GET" and parts == ["recurringruns"]:
            runs = [r for r in state.recurring_runs.values() if _matches(r, query)]
            return 200, _page(runs, "recurringRuns", query)
        if method == "DELETE" and parts[0] == "recurringruns" and len(parts) == 2:
            if state.recurring_runs.pop(parts[1], None) is None:
                raise _Refused(404, f"recurring run {parts[1]} not found")
            return 200, {}
        raise _Refused(404, f"no route {method} {path}")

    def _uploaded_spec(self) -> dict[str, Any]:
        form = cgi.FieldStorage(fp=self.rfile, headers=self.headers, environ={"REQUEST_METHOD": "POST"})
        if "uploadfile" not in form or not form["uploadfile"].filename.endswith((".yaml", ".yml")):
            raise _Refused(400, "expected a multipart field uploadfile with a .yaml file")
        spec = yaml.safe_load(form["uploadfile"].file.read())
        missing = [key for key in ("pipelineInfo", "root", "components", "deploymentSpec", "schemaVersion")
                   if key not in spec]
        if missing:
            raise _Refused(400, f"not a pipeline spec: missing {missing}")
        return spec

    def _add_version(self, pipeline_id: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        state = self.server
        if any(v["pipeline_id"] == pipeline_id and v["display_name"] == name for v in state.versions.values()):
            raise _Refused(409, f"version {name} already exists")
        version = {"pipeline_id": pipeline_id, "pipeline_version_id": state.new_id("version"),
                   "display_name": name, "pipeline_spec": spec}
        state.versions[version["pipeline_version_id"]] = version
        return version

    def _missing(self, body: dict[str, Any], recurring: bool) -> list[str]:
        reference = body.get("pipeline_version_reference", {})
        errors = [] if body.get("display_name") else ["display_name: required"]
        if reference.get("pipeline_version_id") not in self.server.versions:
            errors.append("pipeline_version_reference.pipeline_version_id: no such version")
        if recurring:
            if not 1 <= int(body.get("max_concurrency", "0")) <= 10:
                errors.append("max_concurrency: expected 1-10")
            if not body.get("trigger", {}).get("cron_schedule", {}).get("cron"):
                errors.append("trigger.cron_schedule.cron: required")
        return errors


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


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
