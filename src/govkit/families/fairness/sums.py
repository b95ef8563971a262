"""A regression model's per-cell sums: what every regression fairness number is computed from.

The rows are coded into the same cells as for a classifier (``counts.code_cells``), and each cell
keeps eight sums: rows, predictions and their squares, labelled rows, absolute errors, squared errors
and their squares (fourth powers), and signed errors. The summing is a mergeable ``Accumulator``
(``ErrorSums``); groups are sums of cells, and each group's statistic (with its limits) is read from
its sums (``regression_estimate``), for one data set or for many bootstrap replicates at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from govkit.errors import InputError
from govkit.families.fairness.counts import CellCounts, CellKey, cell_values, code_cells, merge_cells
from govkit.families.fairness.statistics import Estimate, Mean, RootMeanSquare

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import AuditContext, Batch

# every per-group statistic the evidence gives (with its interval), and the gaps compare
GROUP_STATISTICS = ("mean_prediction", "mean_error", "mae", "rmse")
SUMS = (
    "rows",
    "predictions",
    "labelled",
    "absolute_errors",
    "squared_errors",
    "squared_predictions",
    "fourth_power_errors",
    "errors",  # signed: prediction minus truth (positive: the model over-predicts)
)


def row_sums(
    batch: Batch, columns: tuple[str, ...], target: str | None
) -> tuple[np.ndarray, list[CellKey], np.ndarray]:
    """Each row's cell, the cells' keys, and what each row adds to its cell's sums (rows x SUMS).

    A row without a known target adds to the rows and predictions only.
    """
    import numpy as np
    import pandas as pd

    if batch.labels is None:
        raise InputError("no predictions: give --model or --prediction-column")
    dense, keys = code_cells(batch.frame, columns)
    predicted = np.asarray(batch.labels, dtype=float)
    values = np.zeros((len(predicted), len(SUMS)))
    values[:, 0] = 1.0
    values[:, 1] = predicted
    values[:, 5] = predicted * predicted
    if target is not None:
        truth = pd.to_numeric(batch.frame[target], errors="coerce").to_numpy(dtype=float)
        known = ~np.isnan(truth)
        error = np.where(known, predicted - np.where(known, truth, 0.0), 0.0)
        squared = error * error
        values[:, 2] = known
        values[:, 3] = np.abs(error)
        values[:, 4] = squared
        values[:, 6] = squared * squared
        values[:, 7] = error
    return dense, keys, values


@dataclass(frozen=True)
class ErrorSums:
    """Per-cell sums of a regression model's predictions and errors, as a mergeable ``Accumulator``."""

    columns: tuple[str, ...]
    target: str | None

    def update(self, batch: Batch) -> CellCounts:
        import numpy as np

        dense, keys, values = row_sums(batch, self.columns, self.target)
        k = len(keys)
        sums = np.zeros((k, len(SUMS)))
        for i in range(len(SUMS)):
            sums[:, i] = np.bincount(dense, weights=values[:, i], minlength=k)
        return CellCounts(keys=keys, sums=sums)

    def merge(self, partials: Sequence[CellCounts]) -> CellCounts:
        return merge_cells(partials, len(SUMS))


def error_cells(ctx: AuditContext, columns: tuple[str, ...]) -> tuple[list[dict[str, str]], np.ndarray]:
    """Each cell's values, and its sums (cells x SUMS, in SUMS order), over all the audit's rows."""

    def compute() -> tuple[list[dict[str, str]], np.ndarray]:
        counted = ctx.accumulate(ErrorSums(columns=columns, target=ctx.target))
        return cell_values(columns, counted.keys), counted.sums

    return ctx.memo(("fairness.regression_cells", columns), compute)


def regression_estimate(sums: np.ndarray, statistic: str) -> Estimate:
    """A per-group statistic from sums shaped (..., groups, SUMS), in SUMS order."""
    rows, predictions, labelled, absolute, squared, squared_predictions, fourth, errors = (
        sums[..., i] for i in range(len(SUMS))
    )
    if statistic == "mean_prediction":
        return Mean(count=rows, total=predictions, squares=squared_predictions)
    if statistic == "mean_error":
        return Mean(count=labelled, total=errors, squares=squared)
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
    position = {key: i for i, key in enumerate(unique)}
    grouped = np.zeros((len(unique), sums.shape[1]))
    for cell, key in enumerate(keys):
        grouped[position[key]] += sums[cell]  # cell by cell, in cell order: the same sums every run
    return [dict(zip(grouping, key, strict=True)) for key in unique], grouped
