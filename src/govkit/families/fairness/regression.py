"""Regression fairness: group-wise mean predictions and errors, from per-cell sums.

The rows are coded into the same cells as for a classifier (``counts.code_cells``), and each cell
keeps seven sums: rows, predictions and their squares, labelled rows, absolute errors, squared errors
and their squares (fourth powers). As with the confusion counts, the summing is a mergeable
``Accumulator``; groups are sums of cells. The squares give each group's statistic an interval
(Student-t for the mean prediction and the MAE, the log scale for the mean squared error behind the
RMSE), and the comparisons between groups follow the classifier's (``metrics``, ``intervals``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.context import accumulate
from govkit.errors import InputError
from govkit.families.fairness.counts import CellCounts, cell_values, code_cells, merge_cells
from govkit.families.fairness.metrics import Comparison, GroupingData, compare
from govkit.families.fairness.outcome import decide
from govkit.families.fairness.params import FairnessParams, columns_of, grouping_name, groupings, minimum_rows
from govkit.families.fairness.prose import regression_sentence, sentence
from govkit.families.fairness.reference import members, missing_reference, pool
from govkit.families.fairness.statistics import Estimate, Mean, RootMeanSquare
from govkit.results import Measurement

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import AuditContext, Batch

# check name -> the per-group statistic it compares
REGRESSION_STATS = {
    "mean_prediction_difference": "mean_prediction",
    "mae_difference": "mae",
    "rmse_difference": "rmse",
}
SUMS = (
    "rows",
    "predictions",
    "labelled",
    "absolute_errors",
    "squared_errors",
    "squared_predictions",
    "fourth_power_errors",
)
METHOD = "MOVER intervals with Student-t limits (log-scale limits of the mean square for the RMSE)"


@dataclass(frozen=True)
class ErrorSums:
    """Per-cell sums of a regression model's predictions and errors, as a mergeable ``Accumulator``."""

    columns: tuple[str, ...]
    target: str | None

    def update(self, batch: Batch) -> CellCounts:
        import numpy as np
        import pandas as pd

        if batch.labels is None:
            raise InputError("no predictions: give --model or --prediction-column")
        dense, keys = code_cells(batch.frame, self.columns)
        k = len(keys)
        predicted = np.asarray(batch.labels, dtype=float)
        sums = np.zeros((k, len(SUMS)))
        sums[:, 0] = np.bincount(dense, minlength=k)
        sums[:, 1] = np.bincount(dense, weights=predicted, minlength=k)
        sums[:, 5] = np.bincount(dense, weights=predicted * predicted, minlength=k)
        if self.target is not None:
            truth = pd.to_numeric(batch.frame[self.target], errors="coerce").to_numpy(dtype=float)
            known = ~np.isnan(truth)
            error = predicted[known] - truth[known]
            squared = error * error
            sums[:, 2] = np.bincount(dense[known], minlength=k)
            sums[:, 3] = np.bincount(dense[known], weights=np.abs(error), minlength=k)
            sums[:, 4] = np.bincount(dense[known], weights=squared, minlength=k)
            sums[:, 6] = np.bincount(dense[known], weights=squared * squared, minlength=k)
        return CellCounts(keys=keys, sums=sums)

    def merge(self, partials: Sequence[CellCounts]) -> CellCounts:
        return merge_cells(partials, len(SUMS))


def error_cells(ctx: AuditContext, columns: tuple[str, ...]) -> tuple[list[dict[str, str]], np.ndarray]:
    """Each cell's values, and its sums (cells x 7, in SUMS order), over all the audit's rows."""

    def compute() -> tuple[list[dict[str, str]], np.ndarray]:
        counted = accumulate(ErrorSums(columns=columns, target=ctx.target), ctx.batches())
        return cell_values(columns, counted.keys), counted.sums

    return ctx.memo(("fairness.regression_cells", columns), compute)


def regression_estimate(sums: np.ndarray, statistic: str) -> Estimate:
    """A per-group statistic from sums shaped (..., groups, 7), in SUMS order."""
    rows, predictions, labelled, absolute, squared, squared_predictions, fourth = (
        sums[..., i] for i in range(len(SUMS))
    )
    if statistic == "mean_prediction":
        return Mean(count=rows, total=predictions, squares=squared_predictions)
    if statistic == "mae":
        return Mean(count=labelled, total=absolute, squares=squared)  # |e|^2 = e^2
    return RootMeanSquare(count=labelled, squares=squared, fourth=fourth)


def grouped_sums(
    cells: list[dict[str, str]], sums: np.ndarray, grouping: tuple[str, ...]
) -> tuple[list[dict[str, str]], np.ndarray]:
    """The groups of a grouping (by their values' text) and their sums, added cell by cell in cell order."""
    import numpy as np

    keys = [tuple(v[c] for c in grouping) for v in cells]
    unique = sorted(set(keys))
    grouped = np.zeros((len(unique), sums.shape[1]))
    for cell, key in enumerate(keys):
        grouped[unique.index(key)] += sums[cell]  # cell by cell, in cell order: the same sums every run
    return [dict(zip(grouping, key, strict=True)) for key in unique], grouped


def _interval(estimate: Estimate, index: int, tail: float) -> tuple[float, float] | None:
    low, high = estimate.limits(tail)
    bounds = float(low[0, index]), float(high[0, index])
    return None if any(math.isnan(b) for b in bounds) else bounds


def group_errors(values: list[dict[str, str]], grouped: np.ndarray, params: FairnessParams) -> list[dict[str, Any]]:
    """The per-group rows of one grouping: rows, share, mean prediction, MAE, RMSE and their intervals."""
    total = grouped[:, 0].sum()
    minimum = minimum_rows(params, total)
    tail = (1 - params.confidence) / 2
    estimates = {stat: regression_estimate(grouped[None, :, :], stat) for stat in REGRESSION_STATS.values()}
    rows = []
    for index, (v, (n, sum_pred, labelled, sum_abs, sum_sq, _, _)) in enumerate(zip(values, grouped, strict=True)):
        row: dict[str, Any] = {
            "group": " / ".join(v.values()),
            "count": int(n),
            "share": float(n / total) if total else 0.0,
            "mean_prediction": float(sum_pred / n) if n else None,
            "mae": float(sum_abs / labelled) if labelled else None,
            "rmse": float(math.sqrt(sum_sq / labelled)) if labelled else None,
            "large_enough": bool(n >= minimum),
            "labelled": int(labelled),
        }
        for stat, estimate in estimates.items():
            row[f"{stat}_interval"] = _interval(estimate, index, tail)
        rows.append(row)
    return rows


def _grouping_data(
    values: list[dict[str, str]], grouped: np.ndarray, grouping: tuple[str, ...], params: FairnessParams
) -> GroupingData | None:
    chosen = members(values, grouping, params)
    if chosen is None:
        return None
    pooled = pool([" / ".join(v.values()) for v in values], grouped, chosen)

    def estimate(statistic: str) -> Estimate:
        return regression_estimate(pooled.table[None, :, :], statistic)

    return GroupingData(
        grouping=grouping,
        labels=pooled.labels,
        rows=pooled.table[:, 0],
        estimate=estimate,
        reference=pooled.reference,
        minimum_rows=minimum_rows(params, float(pooled.table[:, 0].sum())),
    )


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


def measure(name: str, params: FairnessParams, ctx: AuditContext) -> Measurement:
    """The largest difference of the check's statistic between the large groups of any grouping."""
    if ctx.task != "regression":
        raise ValueError(f"fairness.{name} is for regression models; this audit's task is {ctx.task}")
    stat = REGRESSION_STATS[name]
    found = groupings(ctx, params)
    cells, sums = error_cells(ctx, columns_of(found))
    tables: dict[str, list[dict[str, Any]]] = {}
    comparisons: list[Comparison] = []
    for grouping in found:
        values, grouped = grouped_sums(cells, sums, grouping)
        tables[grouping_name(grouping)] = group_errors(values, grouped, params)
        data = _grouping_data(values, grouped, grouping, params)
        if data is not None:
            comparisons.append(compare(data, name, params))
    if params.compares_with_reference and not comparisons:
        raise missing_reference(params, tables)
    details: dict[str, Any] = {
        "groups": tables,
        "statistic": stat,
        "min_group_size": params.min_group_size,
        "min_group_share": params.min_group_share,
        "min_rate_denominator": params.min_rate_denominator,
        "confidence": params.confidence,
        "comparisons": [_comparison_evidence(c) for c in comparisons],
    }
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
        sample_size=len(ctx.current),
        method="per-group sums",
        details=details,
        inconclusive_reason=outcome.inconclusive_reason,
        summary=summary,
    )
