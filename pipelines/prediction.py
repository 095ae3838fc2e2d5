"""One example's prediction as `tfxflow predict` prints it: a class and its probability, or a value.

    Prediction("rows.csv[0]", label="pro", probability=0.973).line()   # "rows.csv[0]: pro (p=0.973)"
    Prediction("x.csv[0]", value=0.84147096).to_json()                 # {"input": "x.csv[0]", "value": 0.84147096}
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Prediction:
    """One example's prediction: a classifier's likeliest class and its probability, or a regression's value."""

    name: str
    label: str | None = None
    probability: float | None = None
    value: float | None = None

    def line(self) -> str:
        """`name: class (p=0.973)`, or `name: 0.8415` (see `readable`)."""
        if self.value is None:
            return f"{self.name}: {self.label} (p={self.probability:.3f})"
        return f"{self.name}: {readable(self.value)}"

    def to_json(self) -> dict[str, Any]:
        """{"input", "class", "probability"}, or {"input", "value"}."""
        if self.value is None:
            return {"input": self.name, "class": self.label, "probability": round(self.probability, 4)}
        return {"input": self.name, "value": self.value}


def readable(value: float) -> str:
    """Four significant digits, and every digit of the integer part: 0.8415, 12.35, 254322, 1.500e-05."""
    if 1 <= abs(value) < 1e15:
        return f"{value:.{max(0, 4 - len(str(int(abs(value)))))}f}"
    return f"{value:#.4g}"
