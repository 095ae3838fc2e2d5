"""The label: which feature a pipeline predicts, and whether that is a class or a value.

    label = Label("y", "regression")                          # a FLOAT label: the model outputs `value`
    label = Label("plan", "classification", ("basic", "pro"))  # class names by id (BYTES or INT ids)
    custom_config = {"label": label.to_config()}               # how components receive it
    label = Label.from_config(custom_config["label"])

The spec builds it once (PipelineSpec.target(), from `task:`, `label.key` and the schema) and passes it
explicitly to every component that needs it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Task = Literal["classification", "regression"]
TASKS: tuple[Task, ...] = ("classification", "regression")


@dataclass(frozen=True)
class Label:
    """`key` is the feature; `classes[i]` names class id i (classification only); `string` says the raw
    label holds those names (BYTES) rather than the ids (INT)."""

    key: str
    task: Task
    classes: tuple[str, ...] = ()
    string: bool = False

    @property
    def binary(self) -> bool:
        """Two classes: AUC, precision, recall and a ROC curve besides accuracy."""
        return self.task == "classification" and len(self.classes) == 2

    @property
    def described(self) -> str:
        """In words: "regression", "binary classification" or "classification into 10 classes"."""
        if self.task == "regression":
            return "regression"
        return "binary classification" if self.binary else f"classification into {len(self.classes)} classes"

    @property
    def outputs(self) -> int:
        """What the model's last layer outputs: one value (regression) or one probability per class."""
        return 1 if self.task == "regression" else len(self.classes)

    def to_config(self) -> dict[str, Any]:
        """As JSON-ready values, for a component's custom_config."""
        return {"key": self.key, "task": self.task, "classes": list(self.classes), "string": self.string}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Label:
        return cls(config["key"], config["task"], tuple(config.get("classes", ())), bool(config.get("string")))
