"""The report's view model: a RunResult turned into the plain values the templates place.

All formatting and every decision about what to show happens here; the templates only loop and
print. Nothing is marked safe: every string reaches the template engine as plain text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from govkit.report.charts import bar_chart, beeswarm, diverging_bars, mini_histogram
from govkit.report.text import (
    FAMILY_TITLES,
    STATUS_TEXT,
    VERDICT_TEXT,
    finding,
    number,
    percent,
    threshold_text,
)
from govkit.results import CheckResult, RunResult, Status

if TYPE_CHECKING:
    from govkit.signing import SignOff

DECISION_TEXT = {
    "approve": "Approved",
    "reject": "Rejected",
    "approve-with-conditions": "Approved with conditions",
}

FAMILY_ORDER = ("quality", "drift", "performance", "fairness", "explain")

FAMILY_INTROS = {
    "quality": "Is the current data complete and shaped like the data the model was validated on? "
    "Expectations are learned from the reference data and checked on the current data.",
    "drift": "Has the data moved since the reference period? Each feature column is compared between the "
    "reference and the current data.",
    "performance": "How well does the model predict the known outcomes in the current data?",
    "fairness": "Does the model treat groups of people differently? Rates are compared across the groups of "
    "each sensitive column and their intersections.",
    "explain": "Which inputs drive the model's decisions? Importance is the mean absolute SHAP value of each "
    "input column on a sample of the current data.",
}

CARD_LABELS = {
    "model_name": "Model",
    "owner": "Owner",
    "intended_use": "Intended use",
    "out_of_scope_use": "Out-of-scope use",
    "limitations": "Limitations",
    "training_data": "Training data",
    "evaluation_data": "Evaluation data",
    "ethical_considerations": "Ethical considerations",
    "contacts": "Contacts",
}


def check_row(check: CheckResult) -> dict[str, Any]:
    measurement = check.measurement
    interval = measurement.interval
    return {
        "id": check.id,
        "title": check.title,
        "status": check.status.value,
        "status_text": STATUS_TEXT[check.status],
        "value": number(measurement.value),
        "interval": None if interval is None else f"{number(interval[0])} – {number(interval[1])}",
        "threshold": threshold_text(check),
        "message": check.message,
        "summary": measurement.summary,
        "severity": check.severity,
        "required": check.required,
        "refs": check.refs,
        "doc": check.doc,
        "sample_size": number(measurement.sample_size) if measurement.sample_size is not None else "—",
        "method": measurement.method,
    }


def _first_with(checks: list[CheckResult], key: str) -> CheckResult | None:
    return next((c for c in checks if key in c.measurement.details), None)


def _fairness_extras(checks: list[CheckResult]) -> dict[str, Any]:
    source = _first_with(checks, "groups")
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


def _drift_extras(checks: list[CheckResult]) -> dict[str, Any]:
    source = _first_with(checks, "columns")
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


def _quality_extras(checks: list[CheckResult]) -> dict[str, Any]:
    source = _first_with(checks, "expectations")
    if source is None:
        return {"failed": [], "passed": None, "evaluated": None}
    details = source.measurement.details
    failed = [
        {
            "expectation": str(e.get("expectation_type") or e.get("expectation") or ""),
            "column": "—" if e.get("column") is None else str(e.get("column")),
            "observed": str(e.get("observed", "")),
            "unexpected": number(e.get("unexpected_count")),
            "examples": ", ".join(str(x) for x in (e.get("examples") or e.get("unexpected_examples") or [])[:5]),
        }
        for e in details["expectations"]
        if not e.get("success")
    ]
    return {"failed": failed, "passed": details.get("passed"), "evaluated": details.get("evaluated")}


def _explain_extras(checks: list[CheckResult]) -> dict[str, Any]:
    source = _first_with(checks, "importance")
    if source is None:
        return {"chart": None, "beeswarm": None, "local": [], "proxies": [], "disparity": []}
    details = source.measurement.details
    importance = details["importance"][:20]
    sensitive_check = _first_with(checks, "sensitive_inputs")
    sensitive = set(sensitive_check.measurement.details["sensitive_inputs"]) if sensitive_check else set()
    proxies_check = _first_with(checks, "proxies")
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


def _performance_extras(checks: list[CheckResult]) -> dict[str, Any]:
    source = _first_with(checks, "confusion_matrix")
    if source is None:
        return {"confusion": None}
    matrix = source.measurement.details["confusion_matrix"]
    return {
        "confusion": {
            "labels": [str(label) for label in matrix["labels"]],
            "rows": [
                {"label": str(label), "cells": [number(v) for v in row]}
                for label, row in zip(matrix["labels"], matrix["matrix"], strict=True)
            ],
        }
    }


EXTRAS = {
    "quality": _quality_extras,
    "drift": _drift_extras,
    "fairness": _fairness_extras,
    "explain": _explain_extras,
    "performance": _performance_extras,
}


def _signoff_view(result: RunResult, signoffs: Sequence[SignOff]) -> dict[str, Any]:
    """Sign-offs bound to exactly this result; others (for an earlier audit) are counted, not shown."""
    results_sha256 = hashlib.sha256(result.to_json().encode("utf-8")).hexdigest()
    bound = [s for s in signoffs if s.results_sha256 == results_sha256]
    return {
        "results_sha256": results_sha256,
        "entries": [
            {
                "name": s.name,
                "role": s.role,
                "decision": s.decision,
                "decision_text": DECISION_TEXT.get(s.decision, s.decision),
                "conditions": s.conditions or "",
                "expires": s.expires.isoformat() if s.expires else "no expiry",
                "signed_at": s.signed_at,
                "keyid": s.keyid[:16],
            }
            for s in bound
        ],
        "stale": len(signoffs) - len(bound),
    }


def build_view(result: RunResult, signoffs: Sequence[SignOff] = ()) -> dict[str, Any]:
    """Everything the HTML template shows, already formatted."""
    verdict = result.verdict
    label, explanation = VERDICT_TEXT[verdict]
    families = []
    present = [f for f in FAMILY_ORDER if any(c.family == f for c in result.checks)]
    present += sorted({c.family for c in result.checks} - set(present))
    for family in present:
        checks = [c for c in result.checks if c.family == family]
        families.append(
            {
                "id": family,
                "title": FAMILY_TITLES.get(family, family.title()),
                "intro": FAMILY_INTROS.get(family, ""),
                "checks": [check_row(c) for c in checks],
                "extras": EXTRAS[family](checks) if family in EXTRAS else {},
            }
        )
    inputs = result.inputs
    provenance = result.provenance
    card = [
        {
            "label": CARD_LABELS.get(key, key.replace("_", " ").capitalize()),
            "text": ", ".join(value) if isinstance(value, list) else str(value),
        }
        for key, value in result.model_card.items()
    ]
    attention = [c for c in result.checks if c.status != Status.PASS and not c.blocks]
    return {
        "title": f"Governance report — {result.model_card.get('model_name') or inputs.model_type or 'model'}",
        "verdict": {"id": verdict.value, "label": label, "explanation": explanation},
        "counts": [
            {"status": status.value, "label": STATUS_TEXT[status], "count": result.counts[status.value]}
            for status in Status
        ],
        "blocking": [{"id": c.id, "status": c.status.value, "text": finding(c)} for c in result.blocking],
        "attention": [{"id": c.id, "status": c.status.value, "text": finding(c)} for c in attention],
        "model_card": card,
        "policy": {
            "name": str(result.policy.get("name", "")),
            "description": str(result.policy.get("description", "")),
            "extends": ", ".join(result.policy.get("extends", [])),
        },
        "inputs": [
            {"label": "Task", "text": inputs.task},
            {"label": "Model", "text": inputs.model_type or f"predictions from column '{inputs.prediction_column}'"},
            {"label": "Target", "text": inputs.target or "—"},
            {"label": "Favourable outcome", "text": inputs.positive_label or "—"},
            {"label": "Sensitive columns", "text": ", ".join(inputs.sensitive) or "—"},
            {"label": "Model input columns", "text": f"{len(inputs.features)}"},
            {"label": "Current rows", "text": number(inputs.current_rows)},
            {"label": "Reference rows", "text": number(inputs.reference_rows)},
        ],
        "families": families,
        "all_checks": [check_row(c) for c in result.checks],
        "provenance": {
            "started_at": provenance.started_at,
            "duration": f"{provenance.duration_seconds:.1f} s",
            "seed": provenance.seed,
            "govkit_version": provenance.govkit_version,
            "python": f"Python {provenance.python_version} on {provenance.platform}",
            "git_commit": provenance.git_commit or "not run in a git repository",
            "command": provenance.command or "—",
            "files": [
                {"role": role, "path": info.get("path", ""), "sha256": info.get("sha256", "")}
                for role, info in provenance.files.items()
            ],
            "libraries": [{"name": k, "version": v} for k, v in provenance.library_versions.items()],
            "sampling": [
                {
                    "family": s.get("family", ""),
                    "what": s.get("what", ""),
                    "text": f"{number(s.get('sample'))} of {number(s.get('population'))} rows (seed {s.get('seed')})",
                }
                for s in provenance.sampling
            ],
        },
        "schema_version": result.schema_version,
        "fail_on": result.fail_on,
        "signoff": _signoff_view(result, signoffs),
    }
