"""The drift section: every tested column with its test, score, effect size and a small histogram."""

from __future__ import annotations

from typing import Any

from govkit.report.charts import mini_histogram
from govkit.report.sections.common import first_with
from govkit.report.text import number
from govkit.results import CheckResult

TEMPLATE = "families/drift.html.j2"


def build(checks: list[CheckResult]) -> dict[str, Any]:
    source = first_with(checks, "columns")
    if source is None:
        return {"columns": [], "schema_differences": []}
    details = source.measurement.details
    columns = []
    for column in details.get("columns", []):
        histogram = column.get("histogram") or {}
        columns.append(
            {
                "column": str(column.get("column")),
                "type": column.get("type", ""),
                "method": column.get("method", ""),
                "score": number(column.get("score"))
                + (
                    f" (adjusted {number(column['p_value_adjusted'])})"
                    if column.get("p_value_adjusted") is not None
                    else ""
                ),
                "threshold": number(column.get("threshold")),
                "effect_size": number(column.get("effect_size")),
                "drifted": bool(column.get("drifted")),
                "chart": mini_histogram(histogram.get("reference", []), histogram.get("current", []))
                if histogram
                else None,
            }
        )
    return {
        "columns": columns,
        "tested": details.get("tested"),
        "drifted": details.get("drifted"),
        "schema_differences": [
            {k: str(v) for k, v in difference.items()} for difference in details.get("schema_differences", [])
        ],
        "note": details.get("method_note", ""),
    }
