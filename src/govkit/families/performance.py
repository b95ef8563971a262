"""Model performance on the current data, with scikit-learn's metrics.

Classifiers get accuracy, balanced accuracy, F1, precision, recall (for the positive label) and,
when the model gives scores, ROC AUC and the Brier score. Regressors get MAE, RMSE and R².
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.registry import CheckDef
from govkit.results import Measurement

if TYPE_CHECKING:
    from govkit.context import AuditContext

NAME = "performance"
TITLE = "Model performance"
INTRO = "How well does the model predict the known outcomes in the current data?"

_CLASSIFIER = frozenset({"current", "target", "prediction", "classifier"})
_SCORED = frozenset({"current", "target", "probability"})
_REGRESSOR = frozenset({"current", "target", "prediction"})

CHECKS: dict[str, CheckDef] = {
    "accuracy": CheckDef(
        title="Accuracy",
        doc="Share of predictions equal to the true label.",
        requires=_CLASSIFIER,
        unit="share",
        higher_is_better=True,
    ),
    "balanced_accuracy": CheckDef(
        title="Balanced accuracy",
        doc="Mean recall over the classes; not flattered by a majority class.",
        requires=_CLASSIFIER,
        unit="share",
        higher_is_better=True,
    ),
    "f1": CheckDef(
        title="F1 score",
        doc="Harmonic mean of precision and recall for the positive label (macro average for multiclass).",
        requires=_CLASSIFIER,
        unit="share",
        higher_is_better=True,
    ),
    "precision": CheckDef(
        title="Precision",
        doc="Share of positive predictions that are truly positive.",
        requires=_CLASSIFIER,
        unit="share",
        higher_is_better=True,
    ),
    "recall": CheckDef(
        title="Recall",
        doc="Share of truly positive rows the model predicts positive.",
        requires=_CLASSIFIER,
        unit="share",
        higher_is_better=True,
    ),
    "roc_auc": CheckDef(
        title="ROC AUC",
        doc="Probability that a random positive row scores above a random negative row (binary models with scores).",
        requires=_SCORED,
        unit="share",
        higher_is_better=True,
    ),
    "brier_score": CheckDef(
        title="Brier score",
        doc="Mean squared error of the positive-class probability (0 is perfect calibration and sharpness).",
        requires=_SCORED,
        unit="score",
        higher_is_better=False,
    ),
    "mae": CheckDef(
        title="Mean absolute error",
        doc="Mean absolute difference between prediction and target (regression).",
        requires=_REGRESSOR,
        unit="target units",
        higher_is_better=False,
    ),
    "rmse": CheckDef(
        title="Root mean squared error",
        doc="Square root of the mean squared difference between prediction and target (regression).",
        requires=_REGRESSOR,
        unit="target units",
        higher_is_better=False,
    ),
    "r2": CheckDef(
        title="R²",
        doc="Share of the target's variance the model explains (regression).",
        requires=_REGRESSOR,
        unit="score",
        higher_is_better=True,
    ),
}


def _labelled(ctx: AuditContext) -> tuple[Any, Any, int]:
    """True and predicted labels on rows whose target is known."""
    import numpy as np

    y_true = ctx.y_true.to_numpy()
    y_pred = np.asarray(ctx.y_pred)
    known = ~_isna(y_true)
    # A column of True/False with gaps arrives as objects; without the gaps it is plain labels again,
    # and scikit-learn must see it so (it rejects a mix of "unknown" and binary targets).
    return _plain(y_true[known]), _plain(y_pred[known]), int((~known).sum())


def _plain(values: Any) -> Any:
    import numpy as np

    return np.asarray(values.tolist()) if values.dtype == object and len(values) else values


def _isna(values: Any) -> Any:
    import pandas as pd

    return pd.isna(values)


def run(name: str, params: Any, ctx: AuditContext) -> Measurement:
    import numpy as np
    from sklearn import metrics

    y_true, y_pred, unlabelled = _labelled(ctx)
    details: dict[str, Any] = {"rows_without_target": unlabelled}
    if len(y_true) == 0:
        return Measurement(inconclusive_reason="no row has a known target value", details=details)

    if name in ("mae", "rmse", "r2"):
        if ctx.task != "regression":
            raise ValueError(f"performance.{name} is for regression models; this audit is {ctx.task}")
        truth = y_true.astype(float)
        guess = y_pred.astype(float)
        value = {
            "mae": lambda: metrics.mean_absolute_error(truth, guess),
            "rmse": lambda: float(np.sqrt(metrics.mean_squared_error(truth, guess))),
            "r2": lambda: metrics.r2_score(truth, guess),
        }[name]()
        return Measurement(
            value=float(value), sample_size=len(truth), method=f"sklearn.metrics ({name})", details=details
        )

    positive = ctx.positive_label
    binary = ctx.task == "binary"
    if name in ("roc_auc", "brier_score"):
        scores = np.asarray(ctx.y_score)[~_isna(ctx.y_true.to_numpy())]
        truth = y_true == positive
        if name == "roc_auc" and len(np.unique(truth)) < 2:
            return Measurement(
                inconclusive_reason="the target has only one class in the current data; ROC AUC needs both",
                sample_size=len(truth),
                details=details,
            )
        if name == "roc_auc":
            value = metrics.roc_auc_score(truth, scores)
        else:
            value = metrics.brier_score_loss(truth, scores)
        return Measurement(
            value=float(value), sample_size=len(truth), method=f"sklearn.metrics.{name}", details=details
        )

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
    if name == "accuracy":
        details["confusion_matrix"] = _confusion(y_true, y_pred)
    return Measurement(
        value=float(computed), sample_size=len(y_true), method=f"sklearn.metrics.{name}", details=details
    )


def _confusion(y_true: Any, y_pred: Any) -> dict[str, Any]:
    """Counts of (true, predicted) label pairs; only the few distinct labels are turned into text."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(np.concatenate([np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)]))
    texts = [_label(u) for u in uniques]
    # labels that read the same as text (1 and 1.0) are one label
    labels = sorted(set(texts))
    index = np.array([labels.index(t) for t in texts])
    merged = index[codes]
    truth, guess = merged[: len(y_true)], merged[len(y_true) :]
    k = len(labels)
    matrix = np.bincount(truth * k + guess, minlength=k * k).reshape(k, k)
    return {"labels": labels, "matrix": matrix.tolist()}


def _label(value: Any) -> str:
    """A label as text; 1.0 (a numeric target made float by missing values) is the label 1."""
    if isinstance(value, float) and value.is_integer():  # numpy float64 is a float subclass
        value = int(value)
    return str(value)
