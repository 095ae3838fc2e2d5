"""Kubeflow Pipelines through its v2beta1 REST API (the `kfp-server-api` client; the KFP SDK needs a
protobuf that TFX 1.16 cannot use).

    client = KfpClient("https://kfp.example.com", token=os.environ.get("KFP_TOKEN"), namespace="team-a")
    experiment = client.experiment("tfxflow-baker")
    version = client.upload("baker", Path("baker.yaml"))
    client.create_run("baker", version, Target(pipeline_root="gs://bucket/tfxflow", experiment_id=experiment))

Pipelines, experiments and recurring runs are found by display name, so publishing the same
pipeline again adds a version (or reuses an identical one) and scheduling it again replaces its
recurring run. Runs and recurring runs always name an experiment: multi-user Kubeflow refuses them
without one (backend/src/apiserver/resource/resource_manager.go, "Experiment id can not be empty in
multi-user mode"), and their namespace is the experiment's.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, TypeVar

import kfp_server_api as kfp
import urllib3

from tfxflow.components.errors import TfxflowError
from tfxflow.pipelines.spec import ScheduleSettings

T = TypeVar("T")


class KfpError(TfxflowError, RuntimeError):
    """A request KFP refused or could not answer; the message is one line."""


@dataclass(frozen=True)
class PipelineVersion:
    pipeline_id: str
    version_id: str
    name: str


@dataclass(frozen=True)
class Target:
    """Where runs go: the artifact root, the experiment, and the pods' service account (None: KFP's default)."""

    pipeline_root: str
    experiment_id: str
    service_account: Optional[str] = None


class KfpClient:
    """The few KFP calls tfxflow makes; the token goes in the Authorization header, nowhere else."""

    def __init__(
        self, endpoint: str, token: str | None = None, verify_tls: bool = True, namespace: str | None = None
    ) -> None:
        config = kfp.Configuration(host=endpoint.rstrip("/"))
        config.verify_ssl = verify_tls
        config.retries = urllib3.Retry(total=2, connect=2, read=0, status=0, redirect=0)
        # Each retry would print a warning with the whole URL; the failure itself is one line (_call).
        logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
        if not verify_tls:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        header = ("Authorization", f"Bearer {token}") if token else (None, None)
        api = kfp.ApiClient(config, header_name=header[0], header_value=header[1])
        self._endpoint = config.host
        # Pipelines and experiments are created and listed in this namespace (single-user KFP ignores it).
        self._namespace = {"namespace": namespace} if namespace else {}
        self._experiments = kfp.ExperimentServiceApi(api)
        self._pipelines = kfp.PipelineServiceApi(api)
        self._uploads = kfp.PipelineUploadServiceApi(api)
        self._runs = kfp.RunServiceApi(api)
        self._recurring = kfp.RecurringRunServiceApi(api)

    def upload(self, name: str, package: Path) -> PipelineVersion:
        """The pipeline `name` with `package` as a version: a new pipeline, a new version named by the
        package's content hash, or the existing version with that hash."""
        version_name = f"{name}-{hashlib.sha256(package.read_bytes()).hexdigest()[:12]}"
        found = self._call("GET", "/apis/v2beta1/pipelines", self._pipelines.list_pipelines,
                           filter=_name_filter(name), page_size=1, **self._namespace)
        if not found.pipelines:
            created = self._call("POST", "/apis/v2beta1/pipelines/upload", self._uploads.upload_pipeline,
                                 str(package), name=name, description="compiled by tfxflow", **self._namespace)
            pipeline_id = created.pipeline_id
        else:
            pipeline_id = found.pipelines[0].pipeline_id
            versions = self._call("GET", f"/apis/v2beta1/pipelines/{pipeline_id}/versions",
                                  self._pipelines.list_pipeline_versions, pipeline_id,
                                  filter=_name_filter(version_name), page_size=1)
            if versions.pipeline_versions:
                return PipelineVersion(pipeline_id, versions.pipeline_versions[0].pipeline_version_id, version_name)
            uploaded = self._call("POST", "/apis/v2beta1/pipelines/upload_version",
                                  self._uploads.upload_pipeline_version, str(package), name=version_name,
                                  pipelineid=pipeline_id)
            return PipelineVersion(pipeline_id, uploaded.pipeline_version_id, uploaded.display_name)
        # A new pipeline's upload creates its first version; KFP returns only the pipeline.
        newest = self._call("GET", f"/apis/v2beta1/pipelines/{pipeline_id}/versions",
                            self._pipelines.list_pipeline_versions, pipeline_id,
                            sort_by="created_at desc", page_size=1).pipeline_versions[0]
        return PipelineVersion(pipeline_id, newest.pipeline_version_id, newest.display_name)

    def experiment(self, name: str, create: bool = True) -> Optional[str]:
        """The id of the experiment `name` in this client's namespace, created if absent (or None)."""
        found = self._call("GET", "/apis/v2beta1/experiments", self._experiments.list_experiments,
                           filter=_name_filter(name), page_size=1, **self._namespace)
        if found.experiments:
            return found.experiments[0].experiment_id
        if not create:
            return None
        body = kfp.V2beta1Experiment(display_name=name, description="runs of tfxflow pipelines", **self._namespace)
        return self._call("POST", "/apis/v2beta1/experiments", self._experiments.create_experiment, body).experiment_id

    def create_run(self, name: str, version: PipelineVersion, target: Target) -> str:
        """Starts one run of `version`; returns its run id."""
        body = kfp.V2beta1Run(
            display_name=name,
            pipeline_version_reference=_reference(version),
            runtime_config=kfp.V2beta1RuntimeConfig(pipeline_root=target.pipeline_root),
            experiment_id=target.experiment_id,
            service_account=target.service_account,
        )
        return self._call("POST", "/apis/v2beta1/runs", self._runs.create_run, body).run_id

    def schedule(self, name: str, version: PipelineVersion, target: Target, settings: ScheduleSettings) -> str:
        """Creates the enabled recurring run `name`, then deletes the ones it replaces; returns its id."""
        replaced = self.recurring_runs(name, target.experiment_id)
        body = kfp.V2beta1RecurringRun(
            display_name=name,
            description=f"tfxflow schedule of pipeline version {version.name}",
            pipeline_version_reference=_reference(version),
            runtime_config=kfp.V2beta1RuntimeConfig(pipeline_root=target.pipeline_root),
            experiment_id=target.experiment_id,
            service_account=target.service_account,
            trigger=kfp.V2beta1Trigger(cron_schedule=kfp.V2beta1CronSchedule(cron=settings.cron)),
            max_concurrency=str(settings.max_concurrency),
            no_catchup=settings.no_catchup,
            mode=kfp.RecurringRunMode.ENABLE,
        )
        created = self._call("POST", "/apis/v2beta1/recurringruns", self._recurring.create_recurring_run, body)
        for old in replaced:
            self.delete_recurring_run(old["id"])
        return created.recurring_run_id

    def recurring_runs(self, name: str, experiment_id: str) -> list[dict[str, Any]]:
        """The recurring runs named `name` in the experiment: id, cron, status, max_concurrency, no_catchup."""
        runs, token = [], ""
        while True:
            page = self._call("GET", "/apis/v2beta1/recurringruns", self._recurring.list_recurring_runs,
                              filter=_name_filter(name), experiment_id=experiment_id, page_size=100, page_token=token)
            runs += [_describe(run) for run in page.recurring_runs or []]
            token = page.next_page_token
            if not token:
                return runs

    def delete_recurring_run(self, recurring_run_id: str) -> None:
        path = f"/apis/v2beta1/recurringruns/{recurring_run_id}"
        self._call("DELETE", path, self._recurring.delete_recurring_run, recurring_run_id)

    def _call(self, method: str, path: str, request: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        where = f"KFP {method} {self._endpoint}{path}"
        try:
            return request(*args, **kwargs)
        except kfp.ApiException as error:
            raise KfpError(f"{where}: HTTP {error.status} {error.reason}: {_server_message(error.body)}") from None
        except urllib3.exceptions.HTTPError as error:
            raise KfpError(f"{where}: cannot connect ({getattr(error, 'reason', None) or error})") from None


def _reference(version: PipelineVersion) -> kfp.V2beta1PipelineVersionReference:
    return kfp.V2beta1PipelineVersionReference(pipeline_id=version.pipeline_id, pipeline_version_id=version.version_id)


def _name_filter(name: str) -> str:
    """A v2beta1 Filter (JSON) matching display_name exactly."""
    return json.dumps({"predicates": [{"key": "display_name", "operation": "EQUALS", "string_value": name}]})


def _describe(run: kfp.V2beta1RecurringRun) -> dict[str, Any]:
    cron = run.trigger.cron_schedule.cron if run.trigger and run.trigger.cron_schedule else None
    return {"id": run.recurring_run_id, "name": run.display_name, "cron": cron, "status": run.status,
            "max_concurrency": run.max_concurrency, "no_catchup": run.no_catchup}


def _server_message(body: Any) -> str:
    """KFP's own error text (google.rpc.Status `message`, or `error`), on one line."""
    text = body.decode(errors="replace") if isinstance(body, bytes) else str(body or "")
    try:
        parsed = json.loads(text)
        text = parsed.get("message") or parsed.get("error") or text
    except (ValueError, AttributeError):
        pass
    return " ".join(text.split())[:300] or "(no message)"
