"""Test code, not a product feature: runs a compiled KFP v2 PipelineSpec on this machine the way
Kubeflow Pipelines 2.5's backend runs it, task by task, with KFP's cache.

No cluster runs here, so this follows KFP's own source (kubeflow/pipelines at tag 2.5.0; each rule
names the file it mirrors, and where 2.17.0 differs). `KfpBackend` holds what outlives a run: the
MLMD records (artifact ids, executions with their outputs) and the cache. Per task, in dependency
order, it does what the driver and the launcher do:
- refuses executors the Argo compiler refuses and producer tasks it cannot find;
- resolves inputs: constants, producers' output parameters, producers' output artifacts (typed
  `instanceSchema: ""`, named by their MLMD id, as the driver passes them);
- provisions outputs under `<root>/<pipeline>/<run>/<task>/<uuid>/<key>`, plus `executor-logs`;
- computes the cache key (`GenerateCacheKey`) and, on a hit, reuses the cached execution's outputs
  without running anything;
- otherwise runs exactly the container's command and args with `{{$}}` replaced by the
  ExecutorInput, reads the executor output, records outputs and the cache entry.
Where a pod's local paths would be (/tmp/kfp/outputs, /tmp/kfp_outputs) each task gets its own
directory, and the object store is this machine's disk (file paths in place of gs:// URIs).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import re
import subprocess
import uuid
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import yaml

Json = dict[str, Any]
# Argo's rule for DAG task and template names (workflow/validate/validate.go, argo-workflows v3.5.14,
# which KFP 2.5.0 vendors): KFP uses task keys and component names as they are
# (backend/src/v2/compiler/argocompiler/argo.go, templateName: "TODO(Bobgy): sanitize").
ARGO_NAME = r"^[a-zA-Z0-9][-a-zA-Z0-9]*$"


class KfpError(RuntimeError):
    """What KFP would report for a task or a run; the message names the KFP rule."""


@dataclass
class Execution:
    """An MLMD execution as the driver and launcher record it."""

    task: str
    state: str  # COMPLETE, CACHED or FAILED
    parameters: Json = field(default_factory=dict)  # output parameter values (custom property "outputs")
    artifacts: dict[str, Json] = field(default_factory=dict)  # output key -> RuntimeArtifact (name = MLMD id)
    executor_input: Json = field(default_factory=dict)


class KfpBackend:
    """KFP's MLMD and cache for one pipeline, across runs; `run` executes one run of a compiled spec."""

    def __init__(self, workdir: Path, env: dict[str, str], publish_logs: bool = True) -> None:
        self.workdir, self.env = workdir, env
        # driver --publish_logs defaults to "true" and the shipped manifests set PUBLISH_LOGS=true
        # (cmd/driver/main.go@2.5.0; manifests/kustomize/base/pipeline/ml-pipeline-apiserver-deployment.yaml).
        self.publish_logs = publish_logs
        self.cache: dict[str, Execution] = {}  # fingerprint -> the execution whose outputs it reuses
        self._ids = itertools.count(1)

    def run(self, compiled: Path, pipeline_root: str, task_dir: Path) -> dict[str, Execution]:
        """One run: `pipeline_root` as runtime_config.pipeline_root (the backend never reads the spec's
        defaultPipelineRoot: backend/src/v2/driver/driver.go@2.5.0:151-173); each task's local files
        under `task_dir`. Returns the executions by task; raises KfpError where KFP fails the run."""
        spec = yaml.safe_load(compiled.read_text())
        check_compiles(spec)
        tasks = spec["root"]["dag"]["tasks"]
        # metadata/client.go@2.5.0:316: the run's root is <root>/<pipelineInfo.name>/<run id>.
        run_root = f"{pipeline_root.rstrip('/')}/{spec['pipelineInfo']['name']}/{uuid.uuid4()}"
        self._executions: dict[str, Execution] = {}
        for name in TopologicalSorter({n: _upstream(t) for n, t in tasks.items()}).static_order():
            self._executions[name] = self._task(spec, name, run_root, task_dir / name)
        return self._executions

    def _task(self, spec: Json, name: str, run_root: str, local: Path) -> Execution:
        task = spec["root"]["dag"]["tasks"][name]
        component = spec["components"][task["componentRef"]["name"]]
        container = spec["deploymentSpec"]["executors"][component["executorLabel"]]["container"]
        local.mkdir(parents=True, exist_ok=True)
        executor_input = {
            "inputs": {"parameterValues": self._parameters(task), "artifacts": self._artifacts(task)},
            "outputs": self._provision(component, name, run_root, local),
        }
        if not executor_input["inputs"]["artifacts"]:
            del executor_input["inputs"]["artifacts"]
        fingerprint = None
        if task.get("cachingOptions", {}).get("enableCache"):
            # backend/src/v2/driver/driver.go@2.5.0:2528-2543: looked up only when enableCache.
            fingerprint = cache_fingerprint(executor_input, component, container)
            cached = self.cache.get(fingerprint)
            if cached is not None:
                return self._reuse(name, cached, executor_input)
        execution = self._launch(name, container, executor_input, local)
        if fingerprint is not None:  # launcher_v2.go@2.5.0:244-261: written after a successful execution
            self.cache[fingerprint] = execution
        return execution

    def _parameters(self, task: Json) -> Json:
        """driver.go@2.5.0:1637-1658 (constants) and 1808-1830 (a producer's output parameter)."""
        values = {}
        for key, source in task.get("inputs", {}).get("parameters", {}).items():
            if "runtimeValue" in source:
                values[key] = source["runtimeValue"]["constant"]
            else:
                producer = source["taskOutputParameter"]
                values[key] = self._executions[producer["producerTask"]].parameters[producer["outputParameterKey"]]
        return values

    def _artifacts(self, task: Json) -> Json:
        """driver.go@2.5.0:1927-2005 resolveUpstreamArtifacts: the producer's MLMD artifact as a
        RuntimeArtifact (metadata/converter.go: name = MLMD id; metadata/client.go: instanceSchema "")."""
        artifacts = {}
        for key, source in task.get("inputs", {}).get("artifacts", {}).items():
            producer = source["taskOutputArtifact"]
            recorded = self._executions[producer["producerTask"]].artifacts[producer["outputArtifactKey"]]
            artifacts[key] = {"artifacts": [{**recorded, "type": {"instanceSchema": ""}}]}
        return artifacts

    def _provision(self, component: Json, task: str, run_root: str, local: Path) -> Json:
        """driver.go@2.5.0:2015-2058 provisionOutputs: one artifact per output definition (plus
        executor-logs of type system.Artifact when publishing logs), URIs under a fresh uuid."""
        definitions = dict(component.get("outputDefinitions", {}).get("artifacts", {}))
        if self.publish_logs:
            definitions["executor-logs"] = {"artifactType": {"schemaTitle": "system.Artifact"}}
        salt = uuid.uuid4()
        outputs: Json = {
            "artifacts": {
                key: {"artifacts": [{"type": d["artifactType"], "uri": f"{run_root}/{task}/{salt}/{key}",
                                     **({"metadata": d["metadata"]} if "metadata" in d else {})}]}
                for key, d in definitions.items()
            },
            # A pod's /tmp/kfp/outputs/<name> and /tmp/kfp_outputs/output_metadata.json, per task here.
            "outputFile": str(local / "output_metadata.json"),
        }
        parameters = component.get("outputDefinitions", {}).get("parameters", {})
        if parameters:
            outputs["parameters"] = {key: {"outputFile": str(local / "outputs" / key)} for key in parameters}
        return outputs

    def _reuse(self, task: str, cached: Execution, executor_input: Json) -> Execution:
        """driver.go@2.5.0:1258-1304 reuseCachedOutputs: every output key, executor-logs included,
        must be among the cached execution's outputs."""
        missing = set(executor_input["outputs"]["artifacts"]) - set(cached.artifacts)
        if missing:
            raise KfpError(f"{task}: unable to find artifact with name {sorted(missing)} in mlmd output artifacts")
        return Execution(task, "CACHED", dict(cached.parameters), dict(cached.artifacts), executor_input)

    def _launch(self, task: str, container: Json, executor_input: Json, local: Path) -> Execution:
        """launcher_v2.go@2.5.0 executeV2: create the output folders, substitute {{$}}, run, read the
        executor output, collect
        output parameters (the file's parameterValues first, else /tmp/kfp/outputs/<name>, which must
        exist) and output artifacts (merged with what the executor reported), record them."""
        for listed in executor_input["outputs"]["artifacts"].values():  # prepareOutputFolders (:898-925)
            Path(listed["artifacts"][0]["uri"]).parent.mkdir(parents=True, exist_ok=True)
        for spec in executor_input["outputs"].get("parameters", {}).values():
            Path(spec["outputFile"]).parent.mkdir(parents=True, exist_ok=True)
        substituted = json.dumps(executor_input, separators=(",", ":"))
        args = [substituted if arg == "{{$}}" else arg for arg in container.get("args", [])]
        done = subprocess.run([*container["command"], *args], cwd=self.workdir, env=self.env,
                              capture_output=True, text=True)
        logs = executor_input["outputs"]["artifacts"].get("executor-logs")
        if logs:  # the launcher tees the command's output into the artifact (getLogWriter)
            Path(logs["artifacts"][0]["uri"]).write_text(done.stdout + done.stderr)
        if done.returncode:
            raise KfpError(f"task {task} failed ({done.returncode}):\n{done.stderr[-4000:]}")
        output_file = Path(executor_input["outputs"]["outputFile"])
        reported = json.loads(output_file.read_text()) if output_file.exists() else {}
        parameters = dict(reported.get("parameterValues", {}))
        for key, spec in executor_input["outputs"].get("parameters", {}).items():
            if key not in parameters:
                path = Path(spec["outputFile"])
                if not path.exists():
                    raise KfpError(f"task {task}: failed to read output parameter name={key!r} path={path}")
                parameters[key] = path.read_text()
        artifacts = {}
        for key, listed in executor_input["outputs"]["artifacts"].items():
            artifact = dict(listed["artifacts"][0])
            update = reported.get("artifacts", {}).get(key, {}).get("artifacts", [{}])[0]
            artifact["uri"] = update.get("uri") or artifact["uri"]  # mergeRuntimeArtifacts
            artifact["metadata"] = {**artifact.get("metadata", {}), **update.get("metadata", {})}
            # RecordArtifact (metadata/client.go@2.5.0:1035-1054) stores it with a display name.
            artifact["metadata"].setdefault("display_name", key)
            artifacts[key] = {"name": str(next(self._ids)), "uri": artifact["uri"], "metadata": artifact["metadata"]}
        return Execution(task, "COMPLETE", parameters, artifacts, executor_input)


def check_compiles(spec: Json) -> None:
    """What KFP's Argo compiler refuses when it compiles a run (backend/src/v2/compiler, 2.0.5 to HEAD)."""
    tasks = spec["root"]["dag"]["tasks"]
    executors = spec["deploymentSpec"]["executors"]
    for label, executor in executors.items():
        if "container" not in executor and "importer" not in executor:  # visitor.go@2.5.0:119-128
            raise KfpError(f'executor(label="{label}"): non-container and non-importer executor not implemented')
    for name in [*tasks, *spec["components"]]:  # DAG task names and template names
        if not re.fullmatch(ARGO_NAME, name) or len(name) > 128:
            raise KfpError(f"[0].name: '{name}' is invalid: name must consist of alpha-numeric characters or '-'")
    for name, task in tasks.items():
        # driver.go@2.5.0:329: producers are found by the MLMD task_name, which is taskInfo.name.
        if task.get("taskInfo", {}).get("name") != name:
            raise KfpError(f"task {name}: taskInfo.name {task.get('taskInfo', {}).get('name')!r} differs from its key")
        inputs = task.get("inputs", {})
        sources = [*inputs.get("parameters", {}).values(), *inputs.get("artifacts", {}).values()]
        for source in sources:
            producer = (source.get("taskOutputParameter") or source.get("taskOutputArtifact") or {}).get("producerTask")
            if producer is not None and producer not in tasks:  # argocompiler/dag.go@2.5.0:598-647 addDep
                raise KfpError(f'compiling DAG "root": failed to add implicit deps: unknown producer task '
                               f'"{producer}" in DAG')


def cache_fingerprint(executor_input: Json, component: Json, container: Json) -> str:
    """cacheutils/cache.go@2.5.0:30-107 GenerateCacheKey and its hash: input artifact names (MLMD
    ids), input parameter values, output artifact specs without URIs, output parameter types, the
    image and the unsubstituted command and args; sha256 of the key as sorted, compact JSON."""
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


def _upstream(task: Json) -> set[str]:
    inputs = task.get("inputs", {})
    producers = {
        (source.get("taskOutputParameter") or source.get("taskOutputArtifact"))["producerTask"]
        for source in [*inputs.get("parameters", {}).values(), *inputs.get("artifacts", {}).values()]
        if "taskOutputParameter" in source or "taskOutputArtifact" in source
    }
    return producers | set(task.get("dependentTasks", []))
