"""Do govkit and the baseline agree? Drift verdicts per column, fairness numbers, metrics, SHAP.

Everything here reads two plain dicts: govkit's ``results.json`` and the baseline's output (see
baseline.py). Fairness is compared like with like: govkit's per-group tables against fairlearn's
``MetricFrame`` group by group; fairlearn's headline metrics (over all groups) against the same metric
recomputed from govkit's table; and govkit's own per-grouping values (which leave out groups below its
minimum size) against the baseline's groups filtered by the same rule.
"""

from __future__ import annotations

import math
from typing import Any

TOLERANCE = 1e-9
FAIRNESS_METRICS = (
    "demographic_parity_ratio",
    "demographic_parity_difference",
    "equalized_odds_difference",
    "equalized_odds_ratio",
)
_DIFFERENCE = {"demographic_parity_difference", "equalized_odds_difference"}


def checks_by_id(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["id"]: check for check in results["checks"]}


def family_times(results: dict[str, Any]) -> dict[str, float]:
    """Seconds per family: the sum of its checks' ``duration_seconds``."""
    times: dict[str, float] = {}
    for check in results["checks"]:
        times[check["family"]] = times.get(check["family"], 0.0) + float(check.get("duration_seconds") or 0.0)
    return times


def metric_from_rates(metric: str, groups: list[dict[str, Any]]) -> float | None:
    """A fairlearn between-group metric from per-group rates (fairlearn's definitions)."""

    def spread(rate: str) -> tuple[float, float] | None:
        values = [g[rate] for g in groups if g.get(rate) is not None and not math.isnan(g[rate])]
        return (min(values), max(values)) if len(values) >= 2 else None

    def ratio(bounds: tuple[float, float]) -> float:
        low, high = bounds
        return low / high if high > 0 else (1.0 if low == high else math.nan)

    rates = ("selection_rate",) if metric.startswith("demographic") else ("tpr", "fpr")
    bounds = [spread(rate) for rate in rates]
    if any(b is None for b in bounds):
        return None
    if metric in _DIFFERENCE:
        return max(high - low for low, high in bounds)  # type: ignore[misc]
    return min(ratio(b) for b in bounds)  # type: ignore[arg-type]


def _key(values: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in values.items()))


def _close(a: float | None, b: float | None, tolerance: float = TOLERANCE) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tolerance


def compare_drift(results: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Column by column: govkit's drifted flag against evidently's preset verdict in the baseline."""
    checks = checks_by_id(results)
    details = checks["drift.drifted_columns_share"]["measurement"]["details"]
    sampled = [s for s in results["provenance"].get("sampling", []) if s.get("family") == "drift"]
    govkit_columns = {c["column"]: c for c in details["columns"]}
    rows: list[dict[str, Any]] = []
    for column in sorted(set(govkit_columns) | set(baseline["drift"])):
        ours, theirs = govkit_columns.get(column), baseline["drift"].get(column)
        row: dict[str, Any] = {"column": column}
        if ours is None or theirs is None:
            row["problem"] = "tested by " + ("the baseline only" if ours is None else "govkit only")
            rows.append(row)
            continue
        row.update(
            govkit_drifted=bool(ours["drifted"]),
            baseline_drifted=bool(theirs["drifted"]),
            govkit_type=ours["type"],
            baseline_type=theirs["kind"],
            govkit_score=ours["score"],
            baseline_score=theirs["score"],
            agree=bool(ours["drifted"]) == bool(theirs["drifted"]),
        )
        rows.append(row)
    same_type = [r for r in rows if "agree" in r and r["govkit_type"] == r["baseline_type"]]
    prediction = checks.get("drift.prediction_drift", {}).get("measurement", {}).get("details", {})
    return {
        "sampled": sampled,
        "columns": rows,
        "disagreements": [r for r in rows if not r.get("agree", False)],
        "type_differences": [
            r["column"] for r in rows if "agree" in r and r["govkit_type"] != r["baseline_type"]
        ],
        "max_score_difference_same_type": max(
            (abs(r["govkit_score"] - r["baseline_score"]) for r in same_type), default=None
        ),
        "prediction": {
            "govkit_drifted": prediction.get("drifted"),
            "baseline_drifted": baseline["prediction_drift"]["drifted"],
            "govkit_score": prediction.get("score"),
            "baseline_score": baseline["prediction_drift"]["score"],
        },
    }


def compare_fairness(results: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    checks = checks_by_id(results)
    found: dict[str, Any] = {"metrics": [], "groups_max_difference": 0.0, "mismatches": []}
    group_tables_done = False
    for metric in FAIRNESS_METRICS:
        check = checks.get(f"fairness.{metric}")
        if check is None:
            continue
        details = check["measurement"]["details"]
        minimum_size, minimum_share = details["min_group_size"], details["min_group_share"]
        govkit_by_grouping = {c["grouping"]: c["value"] for c in details["comparisons"]}
        worst_baseline: list[float] = []
        for grouping, theirs in baseline["fairness"].items():
            table = details["groups"][grouping]
            ours_by_key = {_key(row["values"]): row for row in table}
            # 1. group by group: counts and rates
            if not group_tables_done:
                for group in theirs["groups"]:
                    row = ours_by_key.get(_key(group["values"]))
                    if row is None:
                        found["mismatches"].append(f"{grouping}: group {group['values']} missing in govkit")
                        continue
                    for rate in ("count", "selection_rate", "tpr", "fpr"):
                        diff = abs(float(row[rate]) - group[rate])
                        found["groups_max_difference"] = max(found["groups_max_difference"], diff)
                        if diff > TOLERANCE:
                            found["mismatches"].append(
                                f"{grouping} {group['values']} {rate}: {row[rate]} vs {group[rate]}"
                            )
            # 2. over all groups: fairlearn's own function against govkit's table
            fairlearn_all = theirs[metric]
            govkit_all = metric_from_rates(metric, table)
            # 3. over the groups large enough to decide, by govkit's rule applied to fairlearn's counts
            total = sum(g["count"] for g in theirs["groups"])
            cut = max(minimum_size, math.ceil(minimum_share * total))
            large = [g for g in theirs["groups"] if g["count"] >= cut]
            fairlearn_large = metric_from_rates(metric, large)
            govkit_large = govkit_by_grouping.get(grouping)
            if fairlearn_large is not None:
                worst_baseline.append(fairlearn_large)
            entry = {
                "metric": metric,
                "grouping": grouping,
                "fairlearn_all_groups": fairlearn_all,
                "govkit_table_all_groups": govkit_all,
                "all_groups_agree": _close(fairlearn_all, govkit_all),
                "fairlearn_large_groups": fairlearn_large,
                "govkit_large_groups": govkit_large,
                "large_groups_agree": _close(fairlearn_large, govkit_large),
                "groups_left_out": [g["values"] for g in theirs["groups"] if g["count"] < cut],
            }
            found["metrics"].append(entry)
            if not (entry["all_groups_agree"] and entry["large_groups_agree"]):
                found["mismatches"].append(f"{metric} by {grouping}: {entry}")
        group_tables_done = True
        # 4. govkit's headline value: the worst grouping
        worst = (max if metric in _DIFFERENCE else min)(worst_baseline) if worst_baseline else None
        value = check["measurement"]["value"]
        found["metrics"].append(
            {
                "metric": metric,
                "grouping": "worst",
                "baseline": worst,
                "govkit": value,
                "agree": _close(worst, value),
            }
        )
        if not _close(worst, value):
            found["mismatches"].append(f"{metric} worst grouping: govkit {value} vs baseline {worst}")
    return found


def compare_other(results: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Performance metrics, the quality suite's size and failures, and the SHAP sensitive share."""
    checks = checks_by_id(results)
    performance = {}
    for name, value in baseline["performance"].items():
        ours = checks.get(f"performance.{name}", {}).get("measurement", {}).get("value")
        performance[name] = {"govkit": ours, "baseline": value, "agree": _close(ours, value)}
    quality = checks.get("quality.failed_expectations", {}).get("measurement", {}).get("details", {})
    explain = checks.get("explain.sensitive_feature_importance", {}).get("measurement", {})
    return {
        "performance": performance,
        "quality": {
            "govkit_evaluated": quality.get("evaluated"),
            "govkit_failed": quality.get("failed"),
            "baseline_evaluated": baseline["quality"]["evaluated"],
            "baseline_failed": baseline["quality"]["failed"],
        },
        "explain": {
            "govkit_sensitive_share": explain.get("value"),
            "baseline_sensitive_share": baseline["explain"]["sensitive_share"],
            "agree_to_1e-6": _close(explain.get("value"), baseline["explain"]["sensitive_share"], 1e-6),
        },
    }
