"""Model performance on the current data, with scikit-learn's metrics.

Classifiers get accuracy, balanced accuracy, F1, precision, recall (for the positive label) and,
when the model gives scores, ROC AUC and the Brier score. Regressors get MAE, RMSE and R². Rows
without a known target are left out and counted.

The package: ``rows`` (the rows a check can use), ``confusion`` (the confusion matrix, as a
mergeable accumulator), ``metrics`` (the values, from scikit-learn) and ``evidence`` (what each
check's details hold).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.performance import metrics
from govkit.families.performance.evidence import DecisionEvidence, RegressionEvidence, ScoreEvidence
from govkit.families.performance.rows import labelled
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
        evidence=DecisionEvidence,
        unit="share",
        higher_is_better=True,
    ),
    "balanced_accuracy": CheckDef(
        title="Balanced accuracy",
        doc="Mean recall over the classes; not flattered by a majority class.",
        requires=_CLASSIFIER,
        evidence=DecisionEvidence,
        unit="share",
        higher_is_better=True,
    ),
    "f1": CheckDef(
        title="F1 score",
        doc="Harmonic mean of precision and recall for the positive label (macro average for multiclass).",
        requires=_CLASSIFIER,
        evidence=DecisionEvidence,
        unit="share",
        higher_is_better=True,
    ),
    "precision": CheckDef(
        title="Precision",
        doc="Share of positive predictions that are truly positive.",
        requires=_CLASSIFIER,
        evidence=DecisionEvidence,
        unit="share",
        higher_is_better=True,
    ),
    "recall": CheckDef(
        title="Recall",
        doc="Share of truly positive rows the model predicts positive.",
        requires=_CLASSIFIER,
        evidence=DecisionEvidence,
        unit="share",
        higher_is_better=True,
    ),
    "roc_auc": CheckDef(
        title="ROC AUC",
        doc="Probability that a random positive row scores above a random negative row (binary models with scores).",
        requires=_SCORED,
        evidence=ScoreEvidence,
        unit="share",
        higher_is_better=True,
    ),
    "brier_score": CheckDef(
        title="Brier score",
        doc="Mean squared error of the positive-class probability (0 is perfect calibration and sharpness).",
        requires=_SCORED,
        evidence=ScoreEvidence,
        unit="score",
        higher_is_better=False,
    ),
    "mae": CheckDef(
        title="Mean absolute error",
        doc="Mean absolute difference between prediction and target (regression).",
        requires=_REGRESSOR,
        evidence=RegressionEvidence,
        unit="target units",
        higher_is_better=False,
    ),
    "rmse": CheckDef(
        title="Root mean squared error",
        doc="Square root of the mean squared difference between prediction and target (regression).",
        requires=_REGRESSOR,
        evidence=RegressionEvidence,
        unit="target units",
        higher_is_better=False,
    ),
    "r2": CheckDef(
        title="R²",
        doc="Share of the target's variance the model explains (regression).",
        requires=_REGRESSOR,
        evidence=RegressionEvidence,
        unit="score",
        higher_is_better=True,
    ),
}


def run(name: str, params: Any, ctx: AuditContext) -> Measurement:
    """Measure one performance check on the rows with a known target."""
    y_true, y_pred, unlabelled = labelled(ctx.y_true.to_numpy(), ctx.y_pred)
    details: dict[str, Any] = {"rows_without_target": unlabelled}
    if len(y_true) == 0:
        return Measurement(inconclusive_reason="no row has a known target value", details=details)
    if name in metrics.REGRESSION:
        return metrics.regression(name, y_true, y_pred, ctx, details)
    if name in metrics.SCORES:
        return metrics.scores(name, y_true, ctx, details)
    return metrics.decisions(name, y_true, y_pred, ctx, details)
