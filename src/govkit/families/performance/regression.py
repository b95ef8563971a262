"""A regressor's errors: MAE, RMSE and R² from mergeable sums, and the distribution of its residuals.

A residual is the target minus the prediction: positive where the model predicted too low.
``ErrorSums`` counts each batch's rows with a known target (their number, the target's mean and sum
of squared deviations, the sums of the residuals, of their absolute values and of their squares);
batches merge with Chan's pairwise formula, so the merged R² is the same however the rows were split
and does not lose precision on a target far from zero. The distribution (quantiles, a histogram and
a bounded scatter of residual against prediction) is read from the residuals of every row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.errors import InputError
from govkit.families.performance.rows import known_targets
from govkit.results import Measurement

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import AuditContext, Batch

REGRESSION = ("mae", "rmse", "r2", "mean_residual")
QUANTILES = (0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0)
HISTOGRAM_BINS = 30
MAX_SCATTER = 2000


@dataclass(frozen=True)
class Sums:
    """One batch's (or the merged) error sums; ``target_m2`` is the target's sum of squared deviations."""

    rows: int = 0
    target_mean: float = 0.0
    target_m2: float = 0.0
    residual_sum: float = 0.0
    absolute_sum: float = 0.0
    squared_sum: float = 0.0

    def merged(self, other: Sums) -> Sums:
        rows = self.rows + other.rows
        if rows == 0:
            return self
        delta = other.target_mean - self.target_mean
        return Sums(
            rows=rows,
            target_mean=self.target_mean + delta * other.rows / rows,
            target_m2=self.target_m2 + other.target_m2 + delta * delta * self.rows * other.rows / rows,
            residual_sum=self.residual_sum + other.residual_sum,
            absolute_sum=self.absolute_sum + other.absolute_sum,
            squared_sum=self.squared_sum + other.squared_sum,
        )

    def value(self, name: str) -> float:
        """MAE, RMSE, R² (scikit-learn's convention for a constant target: 1 if exact, else 0) or the mean residual."""
        if name == "mae":
            return self.absolute_sum / self.rows
        if name == "rmse":
            return math.sqrt(self.squared_sum / self.rows)
        if name == "r2":
            if self.target_m2 == 0:
                return 1.0 if self.squared_sum == 0 else 0.0
            return 1.0 - self.squared_sum / self.target_m2
        return self.residual_sum / self.rows


def residuals(truth: Any, predicted: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Known rows' targets, predictions and residuals (target minus prediction), as floats."""
    import numpy as np

    truth = np.asarray(truth)
    known = known_targets(truth)
    y = truth[known].astype(float)
    guess = np.asarray(predicted)[known].astype(float)
    return y, guess, y - guess


@dataclass(frozen=True)
class ErrorSums:
    """The regression error sums of the rows with a known target, batch by batch."""

    target: str

    def update(self, batch: Batch) -> Sums:
        if batch.labels is None:
            raise InputError("no predictions: give --model or --prediction-column")
        y, _, error = residuals(batch.frame[self.target].to_numpy(), batch.labels)
        if len(y) == 0:
            return Sums()
        mean = float(y.mean())
        return Sums(
            rows=len(y),
            target_mean=mean,
            target_m2=float(((y - mean) ** 2).sum()),
            residual_sum=float(error.sum()),
            absolute_sum=float(abs(error).sum()),
            squared_sum=float((error**2).sum()),
        )

    def merge(self, partials: Sequence[Sums]) -> Sums:
        total = Sums()
        for partial in partials:
            total = total.merged(partial)
        return total


def regression(name: str, ctx: AuditContext, details: dict[str, Any]) -> Measurement:
    """MAE, RMSE, R² or the mean residual (with the residuals' distribution) of a regression model."""
    if ctx.task != "regression":
        raise ValueError(f"performance.{name} is for regression models; this audit is {ctx.task}")
    if ctx.target is None:
        raise InputError("no target column was given; pass --target")
    target = ctx.target
    sums = ctx.memo(("performance.error_sums", target), lambda: ctx.accumulate(ErrorSums(target)))
    if name == "mean_residual":
        details.update(distribution(ctx))
    method = "mean of target minus prediction" if name == "mean_residual" else f"error sums ({name})"
    return Measurement(value=sums.value(name), sample_size=sums.rows, method=method, details=details)


def _short(value: float) -> float:
    """A plotted point to six significant digits: the plot cannot show more, results.json need not hold it."""
    return float(f"{value:.6g}")


def distribution(ctx: AuditContext) -> dict[str, Any]:
    """``evidence.ResidualEvidence`` less the row count: moments, quantiles, histogram, scatter."""
    import numpy as np

    _, guess, error = residuals(ctx.y_true.to_numpy(), ctx.y_pred)
    low, high = (float(v) for v in np.quantile(error, [0.01, 0.99]))
    if low == high:  # (almost) every residual is the same: one bin around it
        low, high = low - 0.5, high + 0.5
    counts, edges = np.histogram(error, bins=HISTOGRAM_BINS, range=(low, high))
    chosen = np.arange(len(error))
    if len(error) > MAX_SCATTER:
        chosen = np.sort(np.random.default_rng(ctx.seed).choice(len(error), MAX_SCATTER, replace=False))
        ctx.record_sampling("performance", "residual plot points", len(error), MAX_SCATTER, ctx.seed)
    return {
        "mean": float(error.mean()),
        "standard_deviation": float(error.std()),
        "quantiles": [
            {"share": share, "value": float(value)}
            for share, value in zip(QUANTILES, np.quantile(error, QUANTILES), strict=True)
        ],
        "histogram": {
            "edges": [float(v) for v in edges],
            "counts": [int(v) for v in counts],
            "below": int((error < low).sum()),
            "above": int((error > high).sum()),
        },
        "scatter": {
            "prediction": [_short(v) for v in guess[chosen]],
            "residual": [_short(v) for v in error[chosen]],
            "sampled_from": len(error),
        },
    }
