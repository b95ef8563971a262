"""Regression fairness: group-wise mean predictions and errors, from per-cell sums.

The rows are coded into the same cells as for a classifier (``counts.code_cells``), and each cell
keeps five sums: rows, predictions, labelled rows, absolute errors and squared errors. As with the
confusion counts, the summing is a mergeable ``Accumulator``; groups are sums of cells.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.context import accumulate
from govkit.errors import InputError
from govkit.families.fairness.counts import CellCounts, cell_values, code_cells, merge_cells
from govkit.families.fairness.params import FairnessParams, columns_of, grouping_name, groupings, minimum_rows
from govkit.families.fairness.prose import regression_sentence
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
SUMS = ("rows", "predictions", "labelled", "absolute_errors", "squared_errors")


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
        if self.target is not None:
            truth = pd.to_numeric(batch.frame[self.target], errors="coerce").to_numpy(dtype=float)
            known = ~np.isnan(truth)
            error = predicted[known] - truth[known]
            sums[:, 2] = np.bincount(dense[known], minlength=k)
            sums[:, 3] = np.bincount(dense[known], weights=np.abs(error), minlength=k)
            sums[:, 4] = np.bincount(dense[known], weights=error * error, minlength=k)
        return CellCounts(keys=keys, sums=sums)

    def merge(self, partials: Sequence[CellCounts]) -> CellCounts:
        return merge_cells(partials, len(SUMS))


def error_cells(ctx: AuditContext, columns: tuple[str, ...]) -> tuple[list[dict[str, str]], np.ndarray]:
    """Each cell's values, and its sums (cells x 5, in SUMS order), over all the audit's rows."""

    def compute() -> tuple[list[dict[str, str]], np.ndarray]:
        counted = accumulate(ErrorSums(columns=columns, target=ctx.target), ctx.batches())
        return cell_values(columns, counted.keys), counted.sums

    return ctx.memo(("fairness.regression_cells", columns), compute)


def group_errors(
    cells: list[dict[str, str]], sums: np.ndarray, grouping: tuple[str, ...], params: FairnessParams
) -> list[dict[str, Any]]:
    """The per-group rows of one grouping: rows, share, mean prediction, MAE, RMSE, large enough."""
    import numpy as np

    keys = [tuple(v[c] for c in grouping) for v in cells]
    unique = sorted(set(keys))
    grouped = np.zeros((len(unique), sums.shape[1]))
    for cell, key in enumerate(keys):
        grouped[unique.index(key)] += sums[cell]  # cell by cell, in cell order: the same sums every run
    total = grouped[:, 0].sum()
    minimum = minimum_rows(params, total)
    return [
        {
            "group": " / ".join(key),
            "count": int(n),
            "share": float(n / total) if total else 0.0,
            "mean_prediction": float(sum_pred / n) if n else None,
            "mae": float(sum_abs / labelled) if labelled else None,
            "rmse": float(math.sqrt(sum_sq / labelled)) if labelled else None,
            "large_enough": bool(n >= minimum),
        }
        for key, (n, sum_pred, labelled, sum_abs, sum_sq) in zip(unique, grouped, strict=True)
    ]


def measure(name: str, params: FairnessParams, ctx: AuditContext) -> Measurement:
    """The largest range of the check's statistic over the large groups of any grouping."""
    if ctx.task != "regression":
        raise ValueError(f"fairness.{name} is for regression models; this audit's task is {ctx.task}")
    stat = REGRESSION_STATS[name]
    found = groupings(ctx, params)
    cells, sums = error_cells(ctx, columns_of(found))
    tables: dict[str, list[dict[str, Any]]] = {}
    candidates: list[tuple[float, str, str, str, list[str]]] = []
    for grouping in found:
        label = grouping_name(grouping)
        rows = tables[label] = group_errors(cells, sums, grouping, params)
        judged = [r for r in rows if r["large_enough"] and r[stat] is not None]
        if len(judged) >= 2:
            low = min(judged, key=lambda r: r[stat])
            high = max(judged, key=lambda r: r[stat])
            small = [
                r["group"]
                for r in rows
                if not r["large_enough"] and r[stat] is not None and not low[stat] <= r[stat] <= high[stat]
            ]
            candidates.append((high[stat] - low[stat], label, low["group"], high["group"], small))
    details: dict[str, Any] = {"groups": tables, "statistic": stat, "min_group_size": params.min_group_size}
    if not candidates:
        return Measurement(
            details=details,
            inconclusive_reason="fewer than two groups are large enough to compare "
            f"(at least {params.min_group_size} rows and {params.min_group_share:.0%} of the data)",
        )
    # the widest range; on a tie, the first grouping by name (tuples compare element by element)
    value, deciding, low_group, high_group, small = max(candidates)
    details["deciding_grouping"] = deciding
    lookup = {r["group"]: r[stat] for r in tables[deciding]}
    return Measurement(
        value=float(value),
        sample_size=len(ctx.current),
        method="per-group sums",
        details=details,
        inconclusive_reason=(
            f"groups too small to judge ({', '.join(small)}) lie outside the range of the large groups"
            if small
            else None
        ),
        summary=regression_sentence(deciding, stat, (low_group, lookup[low_group]), (high_group, lookup[high_group])),
    )
