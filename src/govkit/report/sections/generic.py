"""The section of a family govkit has no builder for (a plug-in): its evidence, laid out generically.

Each check's evidence shows as facts (scalar values) and tables (lists of flat mappings), so a
third-party family gets a readable section without any change to govkit. Everything is text; nothing
is marked safe, and long lists are cut to ``MAX_ROWS`` with the cut said.
"""

from __future__ import annotations

from typing import Any

from govkit.report.text import number
from govkit.results import CheckResult

TEMPLATE = "families/generic.html.j2"
MAX_ROWS = 50
MAX_TEXT = 200


def _text(value: Any) -> str:
    text = number(value) if isinstance(value, int | float) else str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _table(key: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    columns = list(dict.fromkeys(name for row in rows for name in row))
    return {
        "title": _label(key),
        "columns": [_label(name) for name in columns],
        "rows": [[_text(row.get(name, "")) for name in columns] for row in rows[:MAX_ROWS]],
        "cut": max(0, len(rows) - MAX_ROWS),
    }


def _evidence(check: CheckResult) -> dict[str, Any]:
    facts, tables = [], []
    for key, value in check.measurement.details.items():
        if _is_scalar(value):
            facts.append({"label": _label(key), "text": _text(value)})
        elif isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
            tables.append(_table(key, value))
        elif isinstance(value, list) and all(_is_scalar(item) for item in value):
            facts.append({"label": _label(key), "text": _text(", ".join(_text(item) for item in value))})
        elif isinstance(value, dict) and all(_is_scalar(item) for item in value.values()):
            facts.append({"label": _label(key), "text": _text(", ".join(f"{k}: {_text(v)}" for k, v in value.items()))})
    return {"title": check.title, "facts": facts, "tables": tables}


def build(checks: list[CheckResult]) -> dict[str, Any]:
    return {"evidence": [block for block in (_evidence(c) for c in checks) if block["facts"] or block["tables"]]}
