"""Model performance on the current data, with scikit-learn's metrics.

Classifiers get accuracy, balanced accuracy, F1, precision, recall (binary: of the positive label;
multiclass: macro or weighted over the classes) and, when the model gives scores or class
probabilities, ROC AUC and average precision (one-vs-rest for a multiclass model), log loss and,
for binary models, the Brier score with reliability curves overall and by group. Regressors get MAE,
RMSE, R² and the mean residual with the residuals' distribution. Rows without a known target are
left out and counted. Each check declares the tasks it means something for (``CheckDef.tasks``).

The package: ``rows`` (the rows a check can use), ``confusion`` (the confusion matrix, as a
mergeable accumulator), ``metrics`` (checks on the predicted labels), ``scores`` (checks on scores
and probabilities), ``curves`` (the plots' data), ``regression`` (error sums and residuals) and
``evidence`` (what each check's details hold).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.performance import metrics, regression, scores
from govkit.families.performance.evidence import (
    DecisionEvidence,
    RegressionEvidence,
    ResidualEvidence,
    ScoreEvidence,
)
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
_CLASSES = frozenset({"binary", "multiclass"})
_BINARY = frozenset({"binary"})
_MULTICLASS = frozenset({"multiclass"})
_REGRESSION = frozenset({"regression"})

CHECKS: dict[str, CheckDef] = {
    "accuracy": CheckDef(
        title="Accuracy",
        doc="Share of predictions equal to the true label.",
        requires=_CLASSIFIER,
        evidence=DecisionEvidence,
        unit="share",
        higher_is_better=True,
        tasks=_CLASSES,
    ),
    "balanced_accuracy": CheckDef(
        title="Balanced accuracy",
        doc="Mean recall over the classes; not flattered by a majority class.",
        requires=_CLASSIFIER,
        evidence=DecisionEvidence,
        unit="share",
        higher_is_better=True,
        tasks=_CLASSES,
    ),
    "f1": CheckDef(
        title="F1 score",
        doc="Harmonic mean of precision and recall for the positive label (macro average for multiclass).",
        requires=_CLASSIFIER,
        evidence=DecisionEvidence,
        unit="share",
        higher_is_better=True,
        tasks=_CLASSES,
    ),
    "precision": CheckDef(
        title="Precision",
        doc="Share of positive predictions that are truly positive (macro average over the classes for multiclass).",
        requires=_CLASSIFIER,
        evidence=DecisionEvidence,
        unit="share",
        higher_is_better=True,
        tasks=_CLASSES,
    ),
    "recall": CheckDef(
        title="Recall",
        doc="Share of truly positive rows the model predicts positive (macro average over the classes for multiclass).",
        requires=_CLASSIFIER,
        evidence=DecisionEvidence,
        unit="share",
        higher_is_better=True,
        tasks=_CLASSES,
    ),
    "weighted_f1": CheckDef(
        title="F1 score (weighted)",
        doc="F1 of each class against the rest, averaged with each class weighted by its rows (multiclass).",
        requires=_CLASSIFIER,
        evidence=DecisionEvidence,
        unit="share",
        higher_is_better=True,
        tasks=_MULTICLASS,
    ),
    "weighted_precision": CheckDef(
        title="Precision (weighted)",
        doc="Precision of each class, averaged with each class weighted by its rows (multiclass).",
        requires=_CLASSIFIER,
        evidence=DecisionEvidence,
        unit="share",
        higher_is_better=True,
        tasks=_MULTICLASS,
    ),
    "weighted_recall": CheckDef(
        title="Recall (weighted)",
        doc="Recall of each class, averaged with each class weighted by its rows (multiclass).",
        requires=_CLASSIFIER,
        evidence=DecisionEvidence,
        unit="share",
        higher_is_better=True,
        tasks=_MULTICLASS,
    ),
    "roc_auc": CheckDef(
        title="ROC AUC",
        doc="Probability that a random positive row scores above a random negative row; multiclass: "
        "one-vs-rest on the class probabilities, macro average. Records the ROC curves.",
        requires=_SCORED,
        evidence=ScoreEvidence,
        unit="share",
        higher_is_better=True,
        tasks=_CLASSES,
    ),
    "weighted_roc_auc": CheckDef(
        title="ROC AUC (weighted)",
        doc="One-vs-rest ROC AUC of each class, averaged with each class weighted by its rows (multiclass).",
        requires=_SCORED,
        evidence=ScoreEvidence,
        unit="share",
        higher_is_better=True,
        tasks=_MULTICLASS,
    ),
    "average_precision": CheckDef(
        title="Average precision",
        doc="Area under the precision-recall curve of the positive label (multiclass: one-vs-rest, macro "
        "average). Records the precision-recall curves.",
        requires=_SCORED,
        evidence=ScoreEvidence,
        unit="share",
        higher_is_better=True,
        tasks=_CLASSES,
    ),
    "brier_score": CheckDef(
        title="Brier score",
        doc="Mean squared error of the positive-class probability (0 is perfect calibration and sharpness). "
        "Records reliability curves overall and by sensitive group.",
        requires=_SCORED,
        evidence=ScoreEvidence,
        unit="score",
        higher_is_better=False,
        tasks=_BINARY,
    ),
    "log_loss": CheckDef(
        title="Log loss",
        doc="Mean negative log of the probability the model gave the true class (0 is perfect).",
        requires=_SCORED,
        evidence=ScoreEvidence,
        unit="score",
        higher_is_better=False,
        tasks=_CLASSES,
    ),
    "mae": CheckDef(
        title="Mean absolute error",
        doc="Mean absolute difference between prediction and target (regression).",
        requires=_REGRESSOR,
        evidence=RegressionEvidence,
        unit="target units",
        higher_is_better=False,
        tasks=_REGRESSION,
    ),
    "rmse": CheckDef(
        title="Root mean squared error",
        doc="Square root of the mean squared difference between prediction and target (regression).",
        requires=_REGRESSOR,
        evidence=RegressionEvidence,
        unit="target units",
        higher_is_better=False,
        tasks=_REGRESSION,
    ),
    "r2": CheckDef(
        title="R²",
        doc="Share of the target's variance the model explains (regression).",
        requires=_REGRESSOR,
        evidence=RegressionEvidence,
        unit="score",
        higher_is_better=True,
        tasks=_REGRESSION,
    ),
    "mean_residual": CheckDef(
        title="Mean residual",
        doc="Mean of target minus prediction: 0 is unbiased on average, positive means predictions run low "
        "(regression). Records the residuals' quantiles, histogram and a residual-vs-prediction sample.",
        requires=_REGRESSOR,
        evidence=ResidualEvidence,
        unit="target units",
        tasks=_REGRESSION,
    ),
}


def run(name: str, params: Any, ctx: AuditContext) -> Measurement:
    """Measure one performance check on the rows with a known target."""
    y_true, y_pred, unlabelled = labelled(ctx.y_true.to_numpy(), ctx.y_pred)
    details: dict[str, Any] = {"rows_without_target": unlabelled}
    if len(y_true) == 0:
        return Measurement(inconclusive_reason="no row has a known target value", details=details)
    if name in regression.REGRESSION:
        return regression.regression(name, ctx, details)
    if name in scores.SCORES:
        return scores.scores(name, y_true, ctx, details)
    return metrics.decisions(name, y_true, y_pred, ctx, details)
