"""KFP's cron format, checked before anything is sent to a cluster.

KFP schedules with robfig/cron: six fields, seconds first (`0 0 3 * * *` is 03:00 every day),
each a `*`, `?` (day fields), a number or name, a range `a-b`, a list `a,b`, or a step `*/n`, `a-b/n`.
"""
from __future__ import annotations

import re

# (field name, lowest, highest, names usable in place of numbers)
_FIELDS = (
    ("seconds", 0, 59, ()),
    ("minutes", 0, 59, ()),
    ("hours", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
    ("day of week", 0, 6, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")),
)
_TERM = re.compile(r"^(?:(\*|\?)|(\w+)(?:-(\w+))?)(?:/(\d+))?$")


def check_cron(expression: str) -> str:
    """Returns `expression` if KFP accepts it; otherwise raises ValueError saying which field is wrong."""
    fields = expression.split()
    if len(fields) != 6:
        hint = f"; for a 5-field cron, prepend the seconds: '0 {expression.strip()}'" if len(fields) == 5 else ""
        raise ValueError(
            f"expected KFP's 6-field cron (seconds minutes hours day-of-month month day-of-week), "
            f"got {len(fields)} field(s) in {expression!r}{hint}"
        )
    for text, (name, low, high, names) in zip(fields, _FIELDS, strict=True):
        for term in text.split(","):
            _check_term(term, name, low, high, names, expression)
    return expression


def _check_term(term: str, name: str, low: int, high: int, names: tuple[str, ...], expression: str) -> None:
    match = _TERM.match(term.upper())
    wrong = f"{name} field {term!r} in {expression!r}"
    if not match:
        raise ValueError(f"{wrong}: expected *, a number, a range a-b, a list a,b or a step */n")
    wildcard, start, end, step = match.groups()
    if wildcard == "?" and name not in ("day of month", "day of week"):
        raise ValueError(f"{wrong}: '?' is only allowed in the day fields")
    values = [_value(part, names) for part in (start, end) if part is not None]
    if any(value is None or not low <= value <= high for value in values):
        allowed = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
        raise ValueError(f"{wrong}: expected values in {allowed}")
    if len(values) == 2 and values[0] > values[1]:
        raise ValueError(f"{wrong}: the range runs backwards")
    if step is not None and not 1 <= int(step) <= high - low + 1:
        raise ValueError(f"{wrong}: expected a step between 1 and {high - low + 1}")


def _value(text: str, names: tuple[str, ...]) -> int | None:
    if text.isdigit():
        return int(text)
    return names.index(text) + (1 if names and names[0] == "JAN" else 0) if text in names else None
