"""The fairness section: selection rate by group, as a chart with intervals and a table of group rates."""

from __future__ import annotations

from typing import Any

from govkit.report.charts import bar_chart
from govkit.report.sections.common import first_with
from govkit.report.text import number, percent
from govkit.results import CheckResult

TEMPLATE = "families/fairness.html.j2"


def build(checks: list[CheckResult]) -> dict[str, Any]:
    source = first_with(checks, "groups")
    if source is None:
        return {"groupings": []}
    details = source.measurement.details
    groupings = []
    for name, rows in details["groups"].items():
        ordered = sorted(rows, key=lambda r: -r["count"])
        chart = bar_chart(
            [(str(r["group"]), r["selection_rate"], _pair(r.get("selection_rate_interval"))) for r in ordered],
            maximum=1.0,
            value_format="percent",
        )
        groupings.append(
            {
                "name": name,
                "chart": chart,
                "rows": [
                    {
                        "group": str(r["group"]),
                        "count": number(r["count"]),
                        "share": percent(r["share"]),
                        "selection_rate": percent(r["selection_rate"]),
                        "selection_interval": _interval_text(r.get("selection_rate_interval")),
                        "tpr": percent(r["tpr"]),
                        "fpr": percent(r["fpr"]),
                        "precision": percent(r["precision"]),
                        "accuracy": percent(r["accuracy"]),
                        "small": not r["large_enough"],
                    }
                    for r in ordered
                ],
                "small_groups": [str(r["group"]) for r in ordered if not r["large_enough"]],
            }
        )
    return {
        "groupings": groupings,
        "positive_label": details.get("positive_label", ""),
        "min_group_size": details.get("min_group_size"),
        "min_group_share": percent(details.get("min_group_share")),
    }


def _pair(value: Any) -> tuple[float, float] | None:
    return None if value is None else (float(value[0]), float(value[1]))


def _interval_text(value: Any) -> str:
    return "—" if value is None else f"{value[0] * 100:.1f}–{value[1] * 100:.1f}%"


def _pair(value: Any) -> tuple[float, float] | None:
    return None if value is None else (float(value[0]), float(value[1]))


def _interval_text(value: Any) -> str:
    return "—" if value is None else f"{value[0] * 100:.1f}–{value[1] * 100:.1f}%"
