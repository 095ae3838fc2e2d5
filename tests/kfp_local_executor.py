"""Test code, not a product feature: executes a compiled KFP v2 PipelineSpec YAML on this machine.

It does what the KFP v2 launcher does for each task, in dependency order: builds the ExecutorInput
(input artifacts from upstream ExecutorOutputs, parameter values, output artifact URIs under a
local pipeline root, an output-metadata file), substitutes it for `{{$}}` in the container's args,
and runs exactly the container's `command` + `args` as a subprocess in the project directory (the
image's working directory). Resolver tasks yield what a first run sees: no artifacts.
"""
from __future__ import annotations

import json
import os
import subprocess
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import yaml

Artifacts = dict[str, list[dict[str, Any]]]  # output key -> RuntimeArtifact JSON objects


def execute(compiled: Path, pipeline_root: Path, workdir: Path, env: dict[str, str]) -> dict[str, Artifacts]:
    """Runs every task of the compiled pipeline; returns each task's output artifacts."""
    spec = yaml.safe_load(compiled.read_text())
    tasks = spec["root"]["dag"]["tasks"]
    order = TopologicalSorter({name: task.get("dependentTasks", []) for name, task in tasks.items()})
    produced: dict[str, Artifacts] = {}
    for name in order.static_order():
        component = spec["components"][tasks[name]["componentRef"]["name"]]
        executor = spec["deploymentSpec"]["executors"][component["executorLabel"]]
        outputs = component.get("outputDefinitions", {}).get("artifacts", {})
        if "resolver" in executor:
            produced[name] = {key: [] for key in outputs}
            continue
        task_root = pipeline_root / name
        executor_input = {
            "inputs": {
                "artifacts": _input_artifacts(tasks[name], produced),
                "parameterValues": _parameter_values(tasks[name]),
            },
            "outputs": {
                "artifacts": {
                    key: {"artifacts": [{"name": f"{name}/{key}", "type": definition["artifactType"],
                                         "uri": str(task_root / key)}]}
                    for key, definition in outputs.items()
                },
                "outputFile": str(task_root / "executor_output.json"),
            },
        }
        container = executor["container"]
        args = [json.dumps(executor_input) if arg == "{{$}}" else arg for arg in container["args"]]
        done = subprocess.run([*container["command"], *args], cwd=workdir, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"task {name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        produced[name] = _output_artifacts(task_root / "executor_output.json", executor_input)
    return produced


def _input_artifacts(task: dict[str, Any], produced: dict[str, Artifacts]) -> dict[str, Any]:
    artifacts = {}
    for key, source in task.get("inputs", {}).get("artifacts", {}).items():
        upstream = source["taskOutputArtifact"]
        found = produced[upstream["producerTask"]][upstream["outputArtifactKey"]]
        if found:  # an empty resolver output is an absent input, as on a first run
            artifacts[key] = {"artifacts": found}
    return artifacts


def _parameter_values(task: dict[str, Any]) -> dict[str, Any]:
    return {
        key: source["runtimeValue"]["constant"]
        for key, source in task.get("inputs", {}).get("parameters", {}).items()
    }


def _output_artifacts(output_file: Path, executor_input: dict[str, Any]) -> Artifacts:
    """The launcher's view of a task's outputs: the URIs it chose, the metadata the task wrote."""
    written = json.loads(output_file.read_text()).get("artifacts", {}) if output_file.exists() else {}
    result = {}
    for key, declared in executor_input["outputs"]["artifacts"].items():
        artifact = dict(declared["artifacts"][0])
        reported = written.get(key, {}).get("artifacts", [{}])[0]
        artifact["metadata"] = reported.get("metadata", {})
        result[key] = [artifact]
    return result


def local_env(venv_bin: Path) -> dict[str, str]:
    """The environment of the image: its `python` first on PATH."""
    return {**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}"}
