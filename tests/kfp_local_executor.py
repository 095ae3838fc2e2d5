"""Test code, not a product feature: runs a compiled KFP v2 PipelineSpec (and its Kubernetes platform
spec) on this machine the way Kubeflow Pipelines' backend runs it, task by task, with KFP's cache
and its object store.

No cluster runs here, so this follows KFP's own source, kubeflow/pipelines at tag 2.17.0 (the newest
release) and, as a second profile, 2.5.0, since clusters run both; each rule names the file and
line it mirrors (`file@tag:line`). `KfpBackend` holds what outlives a run: the MLMD records
(artifact ids, executions with their outputs), the cache, and the pipeline root's bucket, a real S3
API server (`S3Bucket`). Per task, in dependency order, it does what the driver and the launcher do:
- refuses executors the Argo compiler refuses, producer tasks it cannot find, and (2.17) a
  Kubernetes executor config it cannot parse;
- resolves inputs: constants, producers' output parameters, producers' output artifacts (typed
  `instanceSchema: ""`, named by their MLMD id, with their recorded metadata);
- provisions outputs under `<root>/<pipeline>/<run>/<task>/<uuid>/<key>`, plus `executor-logs`;
- computes the cache key (`GenerateCacheKey`) and, on a hit, reuses the cached execution's outputs
  without running anything;
- otherwise, in a fresh pod filesystem (the real /gcs, /s3 and /minio of this machine, emptied
  before and after each task, as a pod's emptyDirs are), downloads every input artifact from the
  bucket to its local path, runs exactly the container's command and args with `{{$}}` replaced by
  the ExecutorInput and the container's env plus its secrets (secretAsEnv), reads the executor
  output, uploads every output artifact from its local path, and records outputs and the cache entry.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import yaml

from tfxflow.components.object_store import launcher_path

Json = dict[str, Any]
# Argo's rule for DAG task and template names (workflow/validate/validate.go, argo-workflows v3.5.14
# at KFP 2.5.0 and v4.0.5 at 2.17.0: validate.go@v3.5.14:1574-1591, @v4.0.5:1624-1640): KFP uses task
# keys and component names as they are (backend/src/v2/compiler/argocompiler/argo.go@2.17.0:347-351).
ARGO_NAME = r"^[a-zA-Z0-9][-a-zA-Z0-9]*$"
# A pod's local paths: the launcher's artifact copies (component/launcher_v2.go@2.17.0:1239-1253,
# emptyDirs mounted by argocompiler/container.go@2.17.0:59-70) and its output files.
POD_PATHS = ("/gcs", "/s3", "/minio", "/tmp/kfp", "/tmp/kfp_outputs")
# The fields of a SecretAsEnv entry (kubernetes_platform/proto/kubernetes_executor_config.proto:
# @2.5.0:64-79; `optional` from 2.17.0:65-82) in protojson's camelCase.
_SECRET_AS_ENV = {"secretName", "keyToEnv", "secretNameParameter"}
_KEY_TO_ENV = {"secretKey", "envVar"}


class KfpError(RuntimeError):
    """What KFP would report for a task or a run; the message names the KFP rule."""


@dataclass(frozen=True)
class Profile:
    """What differs between the KFP releases emulated (kubeflow/pipelines at tags 2.5.0 and 2.17.0)."""

    version: str
    # Output RuntimeArtifacts carry `name` = their key: driver/driver.go@2.17.0:782-783 (2.15+); unset
    # at driver.go@2.5.0:2040-2050. It enters the cache key (cacheutils/cache.go@2.17.0:205-209).
    outputs_named: bool
    # outputs.outputFile under the task's own local object-store path:
    # driver.go@2.17.0:775,800-807; /tmp/kfp_outputs/output_metadata.json at driver.go@2.5.0:2020.
    output_file_in_task_root: bool
    # The launcher appends "-<retry>" ("-0" without a retry policy) to the executor-logs URI before it
    # builds {{$}}, and uploads it even when the command fails: launcher_v2.go@2.17.0:420,538-598,448-457.
    logs_retry_suffix: bool
    # taskInfo.name must equal the task key for producers to be found (MLMD task_name =
    # taskInfo.name, driver.go@2.5.0:318,1941); at 2.17 the key itself (driver/container.go@2.17.0:116-130).
    task_name_is_key: bool
    # The compiler parses a task's Kubernetes executor config strictly (argocompiler/container.go@2.17.0:322-329);
    # 2.5 ignores a parse error there (container.go@2.5.0:442-449).
    strict_kubernetes_config: bool
    # The minio:// store's default endpoint (objectstore/config.go@2.17.0:29; config.go@2.5.0:32).
    default_minio_endpoint: str


KFP_2_17 = Profile("2.17.0", outputs_named=True, output_file_in_task_root=True, logs_retry_suffix=True,
                   task_name_is_key=True, strict_kubernetes_config=True,
                   default_minio_endpoint="seaweedfs.kubeflow:9000")
KFP_2_5 = Profile("2.5.0", outputs_named=False, output_file_in_task_root=False, logs_retry_suffix=False,
                  task_name_is_key=False, strict_kubernetes_config=False,
                  default_minio_endpoint="minio-service.kubeflow:9000")


class S3Bucket:
    """The pipeline root's bucket, through the S3 API of `endpoint` (a real server), as the launcher's
    blob.Bucket reads and writes it (objectstore/object_store.go@2.17.0:111-205)."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str, name: str) -> None:
        import boto3

        self.name = name
        self.client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access_key,
                                   aws_secret_access_key=secret_key, region_name="us-east-1")

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def download(self, local: Path, key: str) -> None:
        """DownloadBlob (object_store.go@2.17.0:176-205): every object at or under `key`; no folders."""
        for found in self.keys(key):
            if found != key and not found.startswith(key.rstrip("/") + "/"):
                continue  # isBlobKeyUnderPrefix
            if ".." in found.split("/"):
                raise KfpError(f"path traversal detected: blob key {found!r} contains '..' component")
            target = local / os.path.relpath(found, key) if found != key else local
            target.parent.mkdir(parents=True, exist_ok=True)
            self.client.download_file(self.name, found, str(target))

    def upload(self, local: Path, key: str) -> None:
        """UploadBlob (object_store.go@2.17.0:111-144): a file, or a directory's files recursively
        (an empty directory leaves nothing: object stores have no folders)."""
        if not local.is_dir():
            self.client.upload_file(str(local), self.name, key)
            return
        for entry in sorted(local.iterdir()):
            self.upload(entry, f"{key}/{entry.name}")


@dataclass
class Execution:
    """An MLMD execution as the driver and launcher record it."""

    task: str
    state: str  # COMPLETE, CACHED or FAILED
    parameters: Json = field(default_factory=dict)  # output parameter values (custom property "outputs")
    artifacts: dict[str, Json] = field(default_factory=dict)  # output key -> RuntimeArtifact (name = MLMD id)
    executor_input: Json = field(default_factory=dict)
    logs: str = ""  # what the command printed (the executor-logs artifact)


class KfpBackend:
    """KFP's MLMD, cache and artifact store for one pipeline, across runs; `run` executes one run."""

    def __init__(self, workdir: Path, env: dict[str, str], bucket: S3Bucket, profile: Profile = KFP_2_17,
                 secrets: dict[str, dict[str, str]] | None = None, publish_logs: bool = True) -> None:
        self.workdir, self.env, self.bucket, self.profile = workdir, env, bucket, profile
        self.secrets = secrets or {}  # Kubernetes secrets in the run's namespace: name -> key -> value
        # driver --publish_logs defaults to "true" and the shipped manifests set PUBLISH_LOGS=true
        # (cmd/driver/main.go@2.5.0:85, @2.17.0:102; ml-pipeline-apiserver-deployment.yaml@2.17.0:114-115).
        self.publish_logs = publish_logs
        self.cache: dict[str, Execution] = {}  # fingerprint -> the execution whose outputs it reuses
        self._ids = itertools.count(1)
        existing = [path for path in POD_PATHS if os.path.exists(path)]
        if existing:
            raise KfpError(f"{', '.join(existing)} exist on this machine; the emulated pods need them for themselves")

    def run(self, compiled: Path, pipeline_root: str) -> dict[str, Execution]:
        """One run: `pipeline_root` as runtime_config.pipeline_root (the backend never reads the spec's
        defaultPipelineRoot: driver/root_dag.go@2.17.0:97-114). Returns the executions by task;
        raises KfpError where KFP fails the run."""
        spec, platform = read_compiled(compiled)
        check_compiles(spec, platform, self.profile)
        root = parse_root(pipeline_root, self.bucket)
        tasks = spec["root"]["dag"]["tasks"]
        # metadata/client.go@2.17.0:391-420 GenerateOutputURI: <root>/<pipelineInfo.name>/<run uuid>.
        run_root = f"{pipeline_root.rstrip('/')}/{spec['pipelineInfo']['name']}/{uuid.uuid4()}"
        self._executions: dict[str, Execution] = {}
        for name in TopologicalSorter({n: _upstream(t) for n, t in tasks.items()}).static_order():
            self._executions[name] = self._task(spec, platform, name, run_root, root)
        return self._executions

    def _task(self, spec: Json, platform: Json, name: str, run_root: str, root: str) -> Execution:
        task = spec["root"]["dag"]["tasks"][name]
        component = spec["components"][task["componentRef"]["name"]]
        label = component["executorLabel"]
        container = spec["deploymentSpec"]["executors"][label]["container"]
        segment = name if self.profile.task_name_is_key else task["taskInfo"]["name"]
        executor_input = {
            "inputs": {"parameterValues": self._parameters(task), "artifacts": self._artifacts(task)},
            "outputs": self._provision(component, f"{run_root}/{segment}/{uuid.uuid4()}"),
        }
        if not executor_input["inputs"]["artifacts"]:
            del executor_input["inputs"]["artifacts"]
        fingerprint = None
        if task.get("cachingOptions", {}).get("enableCache"):
            # driver/container.go@2.17.0:149-179 (driver.go@2.5.0:2528-2543): looked up only when enableCache.
            fingerprint = cache_fingerprint(executor_input, component, container)
            cached = self.cache.get(fingerprint)
            if cached is not None:
                return self._reuse(name, cached, executor_input)
        kubernetes = platform.get("platforms", {}).get("kubernetes", {}).get("deploymentSpec", {}).get(
            "executors", {}).get(label, {})
        execution = self._launch(name, container, kubernetes, executor_input, root)
        if fingerprint is not None:  # launcher_v2.go@2.17.0:299-317: written after a successful execution
            self.cache[fingerprint] = execution
        return execution

    def _parameters(self, task: Json) -> Json:
        """resolve.go@2.17.0:422-454 (constants) and the producer's output parameters (driver.go@2.5.0:1808-1830)."""
        values = {}
        for key, source in task.get("inputs", {}).get("parameters", {}).items():
            if "runtimeValue" in source:
                values[key] = source["runtimeValue"]["constant"]
            else:
                producer = source["taskOutputParameter"]
                values[key] = self._executions[producer["producerTask"]].parameters[producer["outputParameterKey"]]
        return values

    def _artifacts(self, task: Json) -> Json:
        """resolve.go@2.17.0:700-805 resolveUpstreamArtifacts: the producer's MLMD artifact as a
        RuntimeArtifact (metadata/converter.go@2.17.0:181-221: name = MLMD id, metadata = its
        properties; metadata/client.go@2.17.0:1144: instanceSchema "")."""
        artifacts = {}
        for key, source in task.get("inputs", {}).get("artifacts", {}).items():
            producer = source["taskOutputArtifact"]
            recorded = self._executions[producer["producerTask"]].artifacts[producer["outputArtifactKey"]]
            artifacts[key] = {"artifacts": [{**recorded, "type": {"instanceSchema": ""}}]}
        return artifacts

    def _provision(self, component: Json, task_root: str) -> Json:
        """driver.go@2.17.0:741-810 provisionOutputs (driver.go@2.5.0:2010-2061): one artifact per output
        definition (plus executor-logs of type system.Artifact when publishing logs), URIs under one
        fresh uuid per task."""
        definitions = dict(component.get("outputDefinitions", {}).get("artifacts", {}))
        if self.publish_logs:
            definitions["executor-logs"] = {"artifactType": {"schemaTitle": "system.Artifact"}}
        outputs: Json = {"artifacts": {
            key: {"artifacts": [{**({"name": key} if self.profile.outputs_named else {}),
                                 "type": d["artifactType"], "uri": f"{task_root}/{key}",
                                 **({"metadata": d["metadata"]} if "metadata" in d else {})}]}
            for key, d in definitions.items()
        }}
        outputs["outputFile"] = (f"{launcher_path(task_root)}/output_metadata.json"
                                 if self.profile.output_file_in_task_root else "/tmp/kfp_outputs/output_metadata.json")
        parameters = component.get("outputDefinitions", {}).get("parameters", {})
        if parameters:  # driver.go@2.17.0:794-798
            outputs["parameters"] = {key: {"outputFile": f"/tmp/kfp/outputs/{key}"} for key in parameters}
        return outputs

    def _reuse(self, task: str, cached: Execution, executor_input: Json) -> Execution:
        """driver/cache.go@2.17.0:33-78 reuseCachedOutputs (driver.go@2.5.0:1258-1304): every output key,
        executor-logs included, must be among the cached execution's outputs."""
        missing = set(executor_input["outputs"]["artifacts"]) - set(cached.artifacts)
        if missing:
            raise KfpError(f"{task}: unable to find artifact with name {sorted(missing)} in mlmd output artifacts")
        return Execution(task, "CACHED", dict(cached.parameters), dict(cached.artifacts), executor_input)

    def _launch(self, task: str, container: Json, kubernetes: Json, executor_input: Json, root: str) -> Execution:
        """launcher_v2.go@2.17.0 Execute/executeV2/execute (launcher_v2.go@2.5.0:170-264,358-529), in a
        fresh pod: the env it gets, the local folders, the inputs downloaded, the command, the executor
        output, the output parameters and artifacts uploaded and recorded."""
        env = {**self.env, **self._pod_env(task, container, kubernetes)}
        _fresh_pod_paths()
        try:
            logs = executor_input["outputs"]["artifacts"].get("executor-logs")
            if logs and self.profile.logs_retry_suffix:  # qualifyExecutorLogsForRetry, launcher_v2.go@2.17.0:538-598
                logs["artifacts"][0]["uri"] += "-0"
            self._prepare_output_folders(executor_input)
            self._download_inputs(executor_input)
            substituted = json.dumps(executor_input, separators=(",", ":"))
            args = [substituted if arg == "{{$}}" else arg for arg in container.get("args", [])]
            done = subprocess.run([*container["command"], *args], cwd=self.workdir, env=env,
                                  capture_output=True, text=True)
            if logs:  # getLogWriter (launcher_v2.go@2.17.0:632-653): the command's output, tee'd
                Path(launcher_path(logs["artifacts"][0]["uri"])).write_text(done.stdout + done.stderr)
            if done.returncode:
                raise KfpError(f"task {task} failed ({done.returncode}):\n{done.stderr[-4000:]}")
            reported = self._executor_output(executor_input["outputs"]["outputFile"])
            parameters = self._output_parameters(task, executor_input, reported)
            artifacts = self._upload_outputs(task, executor_input, reported, root)
        finally:
            _fresh_pod_paths(remove_only=True)
        return Execution(task, "COMPLETE", parameters, artifacts, executor_input, done.stdout + done.stderr)

    def _pod_env(self, task: str, container: Json, kubernetes: Json) -> dict[str, str]:
        """The container's env (driver.go@2.17.0:289-298 initPodSpecPatch) and its secretAsEnv entries
        (driver/k8s.go@2.17.0:347-393; driver.go@2.5.0:893-922), resolved as the kubelet does: a
        missing secret or key keeps the pod from starting (CreateContainerConfigError)."""
        env = {item["name"]: item["value"] for item in container.get("env", [])}
        for entry in kubernetes.get("secretAsEnv", []):
            parameter = entry.get("secretNameParameter", {}).get("runtimeValue", {}).get("constant")
            name = parameter or entry.get("secretName")
            if not name:
                raise KfpError(f"{task}: missing either SecretName or SecretNameParameter for secret environment "
                               "variable")
            for mapping in entry.get("keyToEnv", []):
                secret = self.secrets.get(name)
                if secret is None or mapping["secretKey"] not in secret:
                    if entry.get("optional") and self.profile.version == KFP_2_17.version:
                        continue
                    raise KfpError(f"{task}: CreateContainerConfigError: secret {name!r} "
                                   f"{'not found' if secret is None else 'has no key ' + repr(mapping['secretKey'])}")
                env[mapping["envVar"]] = secret[mapping["secretKey"]]
        return env

    @staticmethod
    def _prepare_output_folders(executor_input: Json) -> None:
        """prepareOutputFolders (launcher_v2.go@2.17.0:1280-1307): each output artifact's local parent
        folder and each output parameter file's folder; not the outputFile's own folder."""
        for listed in executor_input["outputs"]["artifacts"].values():
            Path(launcher_path(listed["artifacts"][0]["uri"])).parent.mkdir(parents=True, exist_ok=True)
        for spec in executor_input["outputs"].get("parameters", {}).values():
            Path(spec["outputFile"]).parent.mkdir(parents=True, exist_ok=True)

    def _download_inputs(self, executor_input: Json) -> None:
        """downloadArtifacts (launcher_v2.go@2.17.0:927-1004): every input artifact to its local path.
        An input whose URI is not gs/s3/minio/mem fails the task first (fetchNonDefaultBuckets,
        launcher_v2.go@2.17.0:1006-1049, objectstore/config.go@2.17.0:154-169)."""
        for listed in executor_input.get("inputs", {}).get("artifacts", {}).values():
            for artifact in listed["artifacts"]:
                uri = artifact["uri"]
                if not re.match(r"^(gs|s3|minio|mem)://", uri):
                    raise KfpError(f"parse bucket config failed: unsupported Cloud bucket: {uri!r}")
                self.bucket.download(Path(launcher_path(uri)), _object_key(uri))

    @staticmethod
    def _executor_output(output_file: str) -> Json:
        """getExecutorOutputFile (launcher_v2.go@2.17.0:1208-1237): none is an empty output; protojson
        refuses unknown fields."""
        if not os.path.exists(output_file):
            return {}
        reported = json.loads(Path(output_file).read_text())
        unknown = set(reported) - {"parameters", "artifacts", "parameterValues"}
        if unknown:
            raise KfpError(f"failed to unmarshal executor output: unknown field {sorted(unknown)}")
        return reported

    @staticmethod
    def _output_parameters(task: str, executor_input: Json, reported: Json) -> Json:
        """collectOutputParameters (launcher_v2.go@2.17.0:484-515): the file's parameterValues first, else
        /tmp/kfp/outputs/<name>, which must exist."""
        parameters = dict(reported.get("parameterValues", {}))
        for key, spec in executor_input["outputs"].get("parameters", {}).items():
            if key not in parameters:
                path = Path(spec["outputFile"])
                if not path.exists():
                    raise KfpError(f"task {task}: failed to read output parameter name={key!r} path={path}")
                parameters[key] = path.read_text()
        return parameters

    def _upload_outputs(self, task: str, executor_input: Json, reported: Json, root: str) -> dict[str, Json]:
        """uploadOutputArtifacts (launcher_v2.go@2.17.0:778-856; 2.5.0:540-592): the executor output's
        uri and metadata merged in, the URI checked to lie under the run's root (KeyFromURI,
        objectstore/config.go@2.17.0:101-112), the local copy uploaded (a missing one is a warning;
        2.17 then records no executor-logs), and the artifact recorded (RecordArtifact,
        metadata/client.go@2.17.0:1214-1274: display_name and store_session_info)."""
        artifacts = {}
        for key, listed in executor_input["outputs"]["artifacts"].items():
            artifact = dict(listed["artifacts"][0])
            update = reported.get("artifacts", {}).get(key, {}).get("artifacts", [{}])[0]
            if key != "executor-logs" or not self.profile.logs_retry_suffix:  # 2.17 never merges into it
                artifact["uri"] = update.get("uri") or artifact["uri"]  # mergeRuntimeArtifacts
                artifact["metadata"] = {**artifact.get("metadata", {}), **update.get("metadata", {})}
            if not artifact["uri"].startswith(root):
                raise KfpError(f"task {task}: failed to upload output artifact {key!r}: URI {artifact['uri']!r} "
                               f"does not have expected bucket prefix {root!r}")
            local = Path(launcher_path(artifact["uri"]))
            if local.exists():
                self.bucket.upload(local, _object_key(artifact["uri"]))
            elif key == "executor-logs" and self.profile.logs_retry_suffix:
                continue
            metadata = {"display_name": key, **artifact.get("metadata", {})}
            metadata.setdefault("store_session_info", self._session_info())
            artifacts[key] = {"name": str(next(self._ids)), "uri": artifact["uri"], "metadata": metadata}
        return artifacts

    def _session_info(self) -> str:
        """The run's store_session_info for the default minio:// session (config/env.go@2.17.0:177-193,
        @2.5.0:164-179), as json.Marshal writes it (keys sorted)."""
        params = {"accessKeyKey": "accesskey", "disableSSL": "true", "endpoint": self.profile.default_minio_endpoint,
                  "fromEnv": "false", "region": "minio", "secretKeyKey": "secretkey",
                  "secretName": "mlpipeline-minio-artifact"}
        if self.profile.version == KFP_2_17.version:
            params["maxRetries"] = "5"
        return json.dumps({"Provider": "minio", "Params": dict(sorted(params.items()))}, separators=(",", ":"))


def read_compiled(path: Path) -> tuple[Json, Json]:
    """The PipelineSpec and the platform spec ({} if none) of a compiled file, as the API server takes
    them (template/v2_template.go@2.17.0:195-265; see tests/kfp_api_server.py)."""
    documents = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    specs = [doc for doc in documents if "pipelineInfo" in doc and "root" in doc]
    platforms = [doc for doc in documents if "platforms" in doc]
    if len(specs) != 1 or len(platforms) > 1:
        raise KfpError(f"{path}: expected one pipeline spec and at most one platform spec")
    return specs[0], platforms[0] if platforms else {}


def parse_root(pipeline_root: str, bucket: S3Bucket) -> str:
    """The run's root as the launcher's bucket config holds it (objectstore/config.go@2.17.0:118-152):
    gs://, s3:// or minio://, here in the emulated store's one bucket; its PrefixedBucket."""
    found = re.match(r"^(gs|s3|minio)://([^/?]+)(/[^?]*)?$", pipeline_root)
    if not found:
        raise KfpError(f"parse bucket config failed: unsupported Cloud bucket: {pipeline_root!r}")
    if found.group(2) != bucket.name:
        raise KfpError(f"the emulated store holds bucket {bucket.name!r}, not {found.group(2)!r}")
    return f"{found.group(1)}://{found.group(2)}/{(found.group(3) or '').strip('/')}".rstrip("/")


def check_compiles(spec: Json, platform: Json | None = None, profile: Profile = KFP_2_17) -> None:
    """What KFP's Argo compiler refuses when it compiles a run (backend/src/v2/compiler, 2.0.5 to HEAD)."""
    tasks = spec["root"]["dag"]["tasks"]
    executors = spec["deploymentSpec"]["executors"]
    for label, executor in executors.items():
        if "container" not in executor and "importer" not in executor:  # visitor.go@2.17.0:134 (2.5.0:128)
            raise KfpError(f'executor(label="{label}"): non-container and non-importer executor not implemented')
    for name in [*tasks, *spec["components"]]:  # DAG task names and template names
        # `<key>-driver` is a DAG task name too, so a key may have at most 121 characters.
        if not re.fullmatch(ARGO_NAME, name) or len(f"{name}-driver") > 128:
            raise KfpError(f"[0].name: '{name}' is invalid: name must consist of alpha-numeric characters or '-'")
    for name, task in tasks.items():
        if not profile.task_name_is_key and task.get("taskInfo", {}).get("name") != name:
            raise KfpError(f"task {name}: taskInfo.name {task.get('taskInfo', {}).get('name')!r} differs from its key "
                           "(KFP 2.5 finds producers by it)")
        inputs = task.get("inputs", {})
        sources = [*inputs.get("parameters", {}).values(), *inputs.get("artifacts", {}).values()]
        for source in sources:
            producer = (source.get("taskOutputParameter") or source.get("taskOutputArtifact") or {}).get("producerTask")
            if producer is not None and producer not in tasks:  # argocompiler/dag.go@2.17.0:659-667
                raise KfpError(f'compiling DAG "root": failed to add implicit deps: unknown producer task '
                               f'"{producer}" in DAG')
    configs = (platform or {}).get("platforms", {}).get("kubernetes", {}).get("deploymentSpec", {}).get("executors", {})
    for label, config in configs.items():
        if profile.strict_kubernetes_config:
            problem = kubernetes_config_problem(config)
            if problem:  # argocompiler/container.go@2.17.0:322-329
                raise KfpError(f'error creating executor for "{label}": failed to unmarshal kubernetes config: '
                               f'{problem}')


def kubernetes_config_problem(config: Json) -> str:
    """What strict protojson parsing of a KubernetesExecutorConfig refuses in the parts tfxflow writes
    (kubernetes_executor_config.proto@2.17.0:24-82), or ""."""
    known = {"secretAsVolume", "secretAsEnv", "pvcMount", "nodeSelector", "podMetadata", "imagePullSecret",
             "imagePullPolicy", "configMapAsVolume", "configMapAsEnv", "activeDeadlineSeconds", "fieldPathAsEnv",
             "tolerations", "genericEphemeralVolume", "nodeAffinity", "podAffinity", "enabledSharedMemory",
             "emptyDirMounts", "securityContext"}
    unknown = set(config) - known
    for entry in config.get("secretAsEnv", []):
        unknown |= set(entry) - _SECRET_AS_ENV - {"optional"}
        for mapping in entry.get("keyToEnv", []):
            unknown |= set(mapping) - _KEY_TO_ENV
    return f"unknown field {sorted(unknown)}" if unknown else ""


def cache_fingerprint(executor_input: Json, component: Json, container: Json) -> str:
    """cacheutils/cache.go@2.17.0:151-229 (2.5.0:30-107) GenerateCacheKey and its hash: input artifact
    names (MLMD ids), input parameter values, output artifact specs without URIs (with `name` where
    the driver sets it), output parameter types, the image and the unsubstituted command and args
    (pvcNames: none here); sha256 of the key as sorted, compact JSON."""
    inputs, outputs = executor_input["inputs"], executor_input["outputs"]
    key = {
        "inputArtifactNames": {k: {"artifactNames": [a["name"] for a in v["artifacts"]]}
                               for k, v in inputs.get("artifacts", {}).items()},
        "inputParameterValues": inputs.get("parameterValues", {}),
        "outputArtifactsSpec": {k: {f: a for f, a in v["artifacts"][0].items() if f != "uri"}
                                for k, v in outputs["artifacts"].items()},
        "outputParametersSpec": {k: v["parameterType"]
                                 for k, v in component.get("outputDefinitions", {}).get("parameters", {}).items()},
        "containerSpec": {"image": container["image"], "cmdArgs": [*container["command"], *container.get("args", [])]},
    }
    key = {k: v for k, v in key.items() if v}  # protojson leaves empty fields out
    return hashlib.sha256(json.dumps(key, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _object_key(uri: str) -> str:
    """The object's key in its bucket: the URI after `<scheme>://<bucket>/`."""
    return uri.split("://", 1)[1].split("/", 1)[1]


def _fresh_pod_paths(remove_only: bool = False) -> None:
    for path in POD_PATHS:
        shutil.rmtree(path, ignore_errors=True)
    if not remove_only:
        for path in POD_PATHS:
            os.makedirs(path)


def _upstream(task: Json) -> set[str]:
    inputs = task.get("inputs", {})
    producers = {
        (source.get("taskOutputParameter") or source.get("taskOutputArtifact"))["producerTask"]
        for source in [*inputs.get("parameters", {}).values(), *inputs.get("artifacts", {}).values()]
        if "taskOutputParameter" in source or "taskOutputArtifact" in source
    }
    return producers | set(task.get("dependentTasks", []))
