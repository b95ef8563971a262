"""Per-row outcomes a slice is judged on: was the decision wrong, was a favourable row missed, how far off.

Labels are compared as text once the few distinct values are read (a target of 1.0 and a prediction of
1 are the same label), so a CSV's strings and a model's numbers agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import AuditContext


@dataclass(frozen=True)
class Outcomes:
    """For the rows that count (``rows``, positions in the current data): the per-row value of the metric."""

    metric: str
    rows: np.ndarray  # positions in the current data
    values: np.ndarray  # 0/1 for rates, absolute errors for MAE
    unlabelled: int  # rows without a known target


def label_text(values: Any) -> np.ndarray:
    """Each label as text; numbers that are whole (1.0) read as integers (1)."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    texts = [str(int(u)) if isinstance(u, float) and u.is_integer() else str(u) for u in uniques]
    named = np.asarray([*texts, "(missing)"], dtype=object)
    return named[codes]


def default_metric(ctx: AuditContext) -> str:
    return "mae" if ctx.task == "regression" else "error_rate"


def outcomes(ctx: AuditContext, metric: str) -> Outcomes:
    """The per-row values of ``metric`` on the rows with a known target."""
    import numpy as np
    import pandas as pd

    truth = ctx.y_true.to_numpy()
    known = ~pd.isna(truth)
    predicted = np.asarray(ctx.y_pred)
    if metric == "mae":
        if ctx.task != "regression":
            raise ValueError(f"the metric mae is for regression models; this audit is {ctx.task}")
        values = np.abs(truth[known].astype(float) - predicted[known].astype(float))
        return Outcomes(metric, np.flatnonzero(known), values, int((~known).sum()))
    if ctx.task == "regression":
        raise ValueError(f"the metric {metric} is for classifiers; use mae for a regression model")
    true_text, predicted_text = label_text(truth[known]), label_text(predicted[known])
    rows = np.flatnonzero(known)
    if metric == "error_rate":
        return Outcomes(metric, rows, (true_text != predicted_text).astype(float), int((~known).sum()))
    favourable = [str(v) for v in label_text(ctx.favourable_labels)] if ctx.favourable_labels else []
    if not favourable:
        raise ValueError("the false negative rate needs the favourable outcome; set positive_label")
    actual = np.isin(true_text, favourable)
    missed = ~np.isin(predicted_text, favourable)
    return Outcomes(metric, rows[actual], missed[actual].astype(float), int((~known).sum()))
