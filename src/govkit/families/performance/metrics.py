"""The checks' values, from scikit-learn's metrics on the rows with a known target.

Three kinds of check: on the predicted labels (a function of the confusion matrix, which each of
them records as evidence), on the positive-class scores, and on a regression model's predictions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.performance.confusion import confusion
from govkit.families.performance.rows import known_targets
from govkit.results import Measurement

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import AuditContext

REGRESSION = ("mae", "rmse", "r2")
SCORES = ("roc_auc", "brier_score")


def regression(
    name: str, y_true: np.ndarray, y_pred: np.ndarray, ctx: AuditContext, details: dict[str, Any]
) -> Measurement:
    """MAE, RMSE or R² of a regression model."""
    import numpy as np
    from sklearn import metrics

    if ctx.task != "regression":
        raise ValueError(f"performance.{name} is for regression models; this audit is {ctx.task}")
    truth = y_true.astype(float)
    guess = y_pred.astype(float)
    value = {
        "mae": lambda: metrics.mean_absolute_error(truth, guess),
        "rmse": lambda: float(np.sqrt(metrics.mean_squared_error(truth, guess))),
        "r2": lambda: metrics.r2_score(truth, guess),
    }[name]()
    return Measurement(value=float(value), sample_size=len(truth), method=f"sklearn.metrics ({name})", details=details)


def scores(name: str, y_true: np.ndarray, ctx: AuditContext, details: dict[str, Any]) -> Measurement:
    """ROC AUC or the Brier score of the positive-class scores."""
    import numpy as np
    from sklearn import metrics

    scored = np.asarray(ctx.y_score)[known_targets(ctx.y_true.to_numpy())]
    truth = y_true == ctx.positive_label
    if name == "roc_auc" and len(np.unique(truth)) < 2:
        return Measurement(
            inconclusive_reason="the target has only one class in the current data; ROC AUC needs both",
            sample_size=len(truth),
            details=details,
        )
    if name == "roc_auc":
        value = metrics.roc_auc_score(truth, scored)
    else:
        value = metrics.brier_score_loss(truth, scored)
    return Measurement(value=float(value), sample_size=len(truth), method=f"sklearn.metrics.{name}", details=details)


def decisions(
    name: str, y_true: np.ndarray, y_pred: np.ndarray, ctx: AuditContext, details: dict[str, Any]
) -> Measurement:
    """Accuracy, balanced accuracy, F1, precision or recall of the predicted labels."""
    from sklearn import metrics

    binary = ctx.task == "binary"
    positive = ctx.positive_label
    averaging: dict[str, Any] = {"average": "binary", "pos_label": positive} if binary else {"average": "macro"}
    if name in ("f1", "precision", "recall") and not binary:
        details["averaging"] = "macro"
    computed = {
        "accuracy": lambda: metrics.accuracy_score(y_true, y_pred),
        "balanced_accuracy": lambda: metrics.balanced_accuracy_score(y_true, y_pred),
        "f1": lambda: metrics.f1_score(y_true, y_pred, zero_division=0, **averaging),
        "precision": lambda: metrics.precision_score(y_true, y_pred, zero_division=0, **averaging),
        "recall": lambda: metrics.recall_score(y_true, y_pred, zero_division=0, **averaging),
    }[name]()
    details["confusion_matrix"] = confusion(ctx).evidence()
    return Measurement(
        value=float(computed), sample_size=len(y_true), method=f"sklearn.metrics.{name}", details=details
    )
