"""Single-feature leakage: an input that alone predicts the target almost perfectly.

Each input column is reduced to a score and the score's ROC AUC for the target is computed (one-vs-rest,
weighted by class size, for a multiclass target):

- a numeric column: its values ranked as they are (``rank``), in whichever direction predicts better,
  and, since a leak need not be monotone, its quantile bins scored by their target rates;
- any column's values (or bins) scored by their target rates (``target rate``), estimated out of fold
  (5 folds, seeded) so a column with many rare values, such as a row id, cannot look predictive by
  memorising rows.

The column's AUC is the better of the two. 0.5 means the column says nothing about the target on its
own, 1.0 that it decides it. Rows beyond ``max_rows`` are sampled (seeded) and recorded.

The AUC is biased upward, and is meant as a screen for near-perfect predictors, not as an estimate of
a weak column's strength: the rank AUC takes each class's better direction (max(AUC, 1 - AUC), fitted
on the same rows) and the column keeps the better of the two methods, so a column of pure noise scores
a little above 0.5, by about the AUC's standard error (≈ 0.01 on 2,000 balanced rows). Choosing the
direction out of fold would remove the bias but halve the rows each direction is judged on; against
the default ``leak_auc`` (0.95) the bias does not change a decision. Each column's ``method`` in the
evidence says which of the two gave its AUC.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from govkit.families.robustness.columns import code_column, input_columns, is_numeric
from govkit.families.robustness.outcomes import label_text
from govkit.results import Measurement

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from govkit.context import AuditContext
    from govkit.families.robustness.params import LeakageParams

FOLDS = 5


def rank_auc(values: np.ndarray, classes: np.ndarray) -> float:
    """Weighted one-vs-rest AUC of the raw values, each class in its better direction; missing ranks lowest."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    missing = np.isnan(values)
    lowest = float(values[~missing].min()) - 1.0 if (~missing).any() else 0.0
    scored = np.where(missing, lowest, values)

    def better(truth: np.ndarray, level: int) -> float:
        auc = float(roc_auc_score(truth, scored))
        return max(auc, 1.0 - auc)

    return _weighted(classes, better)


def target_rate_auc(codes: np.ndarray, classes: np.ndarray, seed: int) -> float:
    """Weighted one-vs-rest AUC of each value's out-of-fold class shares."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    k, g = int(codes.max()) + 1, int(classes.max()) + 1
    fold = np.random.default_rng(seed).permutation(len(codes)) % FOLDS
    shares = np.zeros((len(codes), g))
    for f in range(FOLDS):
        train, test = fold != f, fold == f
        counts = np.bincount(codes[train] * g + classes[train], minlength=k * g).reshape(k, g).astype(float)
        prior = np.bincount(classes[train], minlength=g) / max(int(train.sum()), 1)
        # a value unseen in the other folds gets the overall shares (and rare values are pulled towards them)
        shares[test] = ((counts + prior) / (counts.sum(axis=1, keepdims=True) + 1.0))[codes[test]]
    return _weighted(classes, lambda truth, level: float(roc_auc_score(truth, shares[:, level])))


def _weighted(classes: np.ndarray, auc: Callable[[np.ndarray, int], float]) -> float:
    """The AUC of a two-class target, or the class-size-weighted mean of one-vs-rest AUCs."""
    import numpy as np

    levels = np.unique(classes)
    if len(levels) == 2:
        return auc(classes == levels[1], int(levels[1]))
    return float(sum((classes == level).mean() * auc(classes == level, int(level)) for level in levels))


def _sample(ctx: AuditContext, params: LeakageParams, known: np.ndarray) -> np.ndarray:
    import numpy as np

    rows = np.flatnonzero(known)
    if len(rows) <= params.max_rows:
        return rows
    ctx.record_sampling("robustness", "rows scored for leakage", len(rows), params.max_rows, ctx.seed)
    return np.sort(np.random.default_rng(ctx.seed).choice(rows, size=params.max_rows, replace=False))


def column_auc(column: pd.Series, classes: np.ndarray, params: LeakageParams, seed: int) -> tuple[float, str]:
    """The column's AUC alone and the method that gave it."""
    codes = code_column(str(column.name), column, None, params.bins, max_values=10_000).codes
    found = (target_rate_auc(codes, classes, seed), "target rate")
    if is_numeric(column):
        ranked = rank_auc(column.to_numpy(dtype=float), classes)
        if ranked > found[0]:
            found = (ranked, "rank")
    return found


def measure(params: LeakageParams, ctx: AuditContext) -> Measurement:
    """The highest AUC any single input column reaches for the target."""
    import pandas as pd

    truth = ctx.y_true
    rows = _sample(ctx, params, truth.notna().to_numpy())
    classes, levels = pd.factorize(label_text(truth.iloc[rows].to_numpy()), sort=True)
    columns = input_columns(ctx)
    scored = columns[: params.max_columns]
    details: dict[str, Any] = {
        "rows": len(rows),
        "population": len(ctx.current),
        "columns_scored": len(scored),
        "columns_not_scored": len(columns) - len(scored),
        "leak_auc": params.leak_auc,
        "leaks": [],
        "top": [],
    }
    if len(levels) < 2 or not scored:
        reason = "the target has one value only" if len(levels) < 2 else "no input column to score"
        return Measurement(inconclusive_reason=reason, details=details)
    frame = ctx.current.iloc[rows]
    found = [(c, *column_auc(frame[c].reset_index(drop=True), classes, params, ctx.seed)) for c in scored]
    found.sort(key=lambda item: -item[1])
    details["leaks"] = [c for c, auc, _ in found if auc >= params.leak_auc]
    details["top"] = [{"column": c, "auc": auc, "method": how} for c, auc, how in found[: params.top_k]]
    best = found[0]
    return Measurement(
        value=best[1],
        sample_size=len(rows),
        method="per-column ROC AUC, the better of raw ranks (in the better direction) and out-of-fold target "
        "rates per value or quantile bin (biased upward: noise scores a little above 0.5)",
        details=details,
        summary=f"Most predictive single input: {best[0]} (AUC {best[1]:.3f}); "
        + (f"likely leak(s): {', '.join(details['leaks'])}." if details["leaks"] else "no column alone decides it."),
    )
