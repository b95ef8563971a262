"""The explanations section: global importance, the SHAP summary, local explanations, proxies and disparity."""

from __future__ import annotations

from typing import Any

from govkit.report.charts import bar_chart, beeswarm, diverging_bars
from govkit.report.sections.common import first_with
from govkit.report.text import number, percent
from govkit.results import CheckResult

TEMPLATE = "families/explain.html.j2"


def build(checks: list[CheckResult]) -> dict[str, Any]:
    source = first_with(checks, "importance")
    if source is None:
        return {"chart": None, "beeswarm": None, "local": [], "proxies": [], "disparity": []}
    details = source.measurement.details
    importance = details["importance"][:20]
    sensitive_check = first_with(checks, "sensitive_inputs")
    sensitive = set(sensitive_check.measurement.details["sensitive_inputs"]) if sensitive_check else set()
    proxies_check = first_with(checks, "proxies")
    disparity_check = next((c for c in checks if c.id == "explain.importance_disparity"), None)
    summary_plot = details.get("summary_plot") or []
    return {
        "beeswarm": beeswarm(summary_plot) if summary_plot else None,
        "local": [
            {
                "kind": case["kind"],
                "output": number(case["output"]),
                "base": number(case["base_value"]),
                "bars": diverging_bars(
                    [(str(c["column"]), c["shap"]) for c in case["contributions"]]
                    + [("all other columns", case["other"])]
                ),
            }
            for case in details.get("local", [])
        ],
        "proxies": [
            {
                "column": str(row["column"]),
                "share": percent(row["importance_share"]),
                "aucs": ", ".join(
                    f"{name} {number(value, 2)}" for name, value in row["proxy_auc"].items() if value is not None
                ),
                "flagged": row["flagged"],
            }
            for row in (proxies_check.measurement.details["proxies"] if proxies_check else [])
        ],
        "proxy_method": proxies_check.measurement.details.get("proxy_method", "") if proxies_check else "",
        "disparity": [
            {
                "group": f"{g['sensitive']} = {g['group']}",
                "rows": number(g["rows"]),
                "top": ", ".join(str(t) for t in g["top"]),
                "distance": number(g["distance"], 2),
            }
            for g in (disparity_check.measurement.details.get("groups", []) if disparity_check else [])
        ],
        "chart": bar_chart(
            [(str(r["column"]), r["mean_abs_shap"], None) for r in importance],
            highlight=frozenset(str(s) for s in sensitive),
        ),
        "explainer": details.get("explainer"),
        "explains": details.get("explains"),
        "sample_size": number(details.get("sample_size")),
        "population": number(details.get("population")),
        "sensitive": sorted(str(s) for s in sensitive),
    }
