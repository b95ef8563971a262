"""Regression fairness: group-wise mean predictions and errors, from per-cell sums (``sums``).

Each group's mean prediction, mean signed error (prediction minus truth: positive means the model
over-predicts; the opposite of the performance family's residual, truth minus prediction), MAE and RMSE
have an interval from their sums (Student-t for the means, the log scale for the mean squared error
behind the RMSE), and the check's comparisons between groups follow the classifier's (``metrics``,
``intervals``). The evidence adds each grouping's gap in every statistic with a bootstrap interval
(``gaps``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from govkit.errors import InputError
from govkit.families.fairness.gaps import bootstrap_method, grouping_data, grouping_gaps
from govkit.families.fairness.metrics import Comparison, compare
from govkit.families.fairness.outcome import decide
from govkit.families.fairness.params import FairnessParams, columns_of, grouping_name, groupings, minimum_rows
from govkit.families.fairness.prose import regression_sentence, sentence
from govkit.families.fairness.reference import missing_reference
from govkit.families.fairness.statistics import Estimate
from govkit.families.fairness.sums import GROUP_STATISTICS, error_cells, grouped_sums, regression_estimate
from govkit.results import Measurement

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import AuditContext

# check name -> the per-group statistic it compares
REGRESSION_STATS = {
    "mean_prediction_difference": "mean_prediction",
    "mae_difference": "mae",
    "rmse_difference": "rmse",
}
METHOD = "MOVER intervals with Student-t limits (log-scale limits of the mean square for the RMSE)"


def _interval(estimate: Estimate, index: int, tail: float) -> tuple[float, float] | None:
    low, high = estimate.limits(tail)
    bounds = float(low[0, index]), float(high[0, index])
    return None if any(math.isnan(b) for b in bounds) else bounds


def group_errors(values: list[dict[str, str]], grouped: np.ndarray, params: FairnessParams) -> list[dict[str, Any]]:
    """The per-group rows of one grouping: rows, share, mean prediction, MAE, RMSE and their intervals."""
    total = grouped[:, 0].sum()
    minimum = minimum_rows(params, total)
    tail = (1 - params.confidence) / 2
    estimates = {stat: regression_estimate(grouped[None, :, :], stat) for stat in GROUP_STATISTICS}
    rows = []
    for index, (v, (n, sum_pred, labelled, sum_abs, sum_sq, _, _, sum_err)) in enumerate(
        zip(values, grouped, strict=True)
    ):
        row: dict[str, Any] = {
            "group": " / ".join(v.values()),
            "count": int(n),
            "share": float(n / total) if total else 0.0,
            "mean_prediction": float(sum_pred / n) if n else None,
            "mae": float(sum_abs / labelled) if labelled else None,
            "rmse": float(math.sqrt(sum_sq / labelled)) if labelled else None,
            "large_enough": bool(n >= minimum),
            "labelled": int(labelled),
            "mean_error": float(sum_err / labelled) if labelled else None,
        }
        for stat, estimate in estimates.items():
            row[f"{stat}_interval"] = _interval(estimate, index, tail)
        rows.append(row)
    return rows


def _comparison_evidence(c: Comparison) -> dict[str, Any]:
    part = c.deciding("difference")
    shown = part if part is not None else c.parts[0]
    found: dict[str, Any] = {
        "grouping": grouping_name(c.grouping),
        "value": None if part is None else part.value,
        "statistic": shown.statistic,
        "low_group": shown.low,
        "high_group": shown.high,
        "small_groups": c.small_groups,
        "small_groups_that_would_decide": sorted({label for p in c.parts for label in p.small_deciders}),
    }
    if shown.reason:
        found["reason"] = shown.reason
    if c.reference is not None:
        found["reference_group"] = c.reference
        found["how"] = "difference"
        found["against_reference"] = [
            {
                "group": a.group,
                "rate": a.statistic,
                "value": a.value,
                "interval": a.interval,
                "group_value": a.group_value,
                "reference_value": a.reference_value,
                "decides": a.decides,
            }
            for a in shown.against_reference
        ]
    return found


def _compare_groupings(
    name: str, params: FairnessParams, ctx: AuditContext
) -> tuple[list[Comparison], dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """Every grouping's comparison, group table and gaps (a grouping without the reference group has no gaps)."""
    found = groupings(ctx, params)
    columns = columns_of(found)
    cells, sums = error_cells(ctx, columns)
    tables: dict[str, list[dict[str, Any]]] = {}
    gaps: dict[str, list[dict[str, Any]]] = {}
    comparisons: list[Comparison] = []
    for grouping in found:
        values, grouped = grouped_sums(cells, sums, grouping)
        tables[grouping_name(grouping)] = group_errors(values, grouped, params)
        gap = grouping_gaps(ctx, (values, grouped), grouping, columns, params)
        if gap is not None:
            gaps[grouping_name(grouping)] = gap
        compared = grouping_data(values, grouped, grouping, params)
        if compared is not None:
            comparisons.append(compare(compared[0], name, params))
    if params.compares_with_reference and not comparisons:
        raise missing_reference(params, tables)
    return comparisons, tables, gaps


def measure(name: str, params: FairnessParams, ctx: AuditContext) -> Measurement:
    """The largest difference of the check's statistic between the large groups of any grouping."""
    if ctx.task != "regression":
        raise InputError(
            f"fairness.{name} is for regression models; this audit's task is {ctx.task}, so it does not apply"
        )
    stat = REGRESSION_STATS[name]
    comparisons, tables, gaps = _compare_groupings(name, params, ctx)
    details: dict[str, Any] = {
        "groups": tables,
        "statistic": stat,
        "min_group_size": params.min_group_size,
        "min_group_share": params.min_group_share,
        "min_rate_denominator": params.min_rate_denominator,
        "confidence": params.confidence,
        "comparisons": [_comparison_evidence(c) for c in comparisons],
        "gaps": gaps,
    }
    if params.intervals:
        details["bootstrap"] = bootstrap_method(ctx)
    outcome = decide(comparisons, name, params, METHOD)
    if outcome.value is None or outcome.deciding is None or outcome.part is None:
        return Measurement(details=details, inconclusive_reason=outcome.inconclusive_reason)
    details["deciding_grouping"] = grouping_name(outcome.deciding.grouping)
    if outcome.interval_method is not None:
        details["interval_method"] = outcome.interval_method
    part = outcome.part
    summary = (
        sentence(outcome.deciding.grouping, part, "difference", None, reference=True)
        if params.compares_with_reference
        else regression_sentence(
            details["deciding_grouping"],
            stat,
            (part.low or "", part.low_value or 0.0),
            (part.high or "", part.high_value or 0.0),
        )
    )
    return Measurement(
        value=outcome.value,
        interval=outcome.interval,
        sample_size=ctx.current_rows,
        method="per-group sums",
        details=details,
        inconclusive_reason=outcome.inconclusive_reason,
        summary=summary,
    )
