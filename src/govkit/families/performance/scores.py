"""Checks on scores: ROC AUC, average precision, the Brier score and log loss, with their curves.

A binary model is judged on its positive-class scores. A multiclass model is judged one class against
the rest on its probability matrix (``Predictions.probabilities``, columns in ``classes`` order), as
scikit-learn's ``roc_auc_score(multi_class="ovr")`` does, averaged over the classes (macro: every
class counts the same; weighted: by the class's rows). A class absent from the target has no ROC
curve: it is left out of the average and named in the evidence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.performance import curves
from govkit.families.performance.confusion import label_text
from govkit.families.performance.losses import loss_sums
from govkit.families.performance.ranking import score_pairs
from govkit.families.performance.rows import known_targets
from govkit.results import Measurement

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import AuditContext

SCORES = ("roc_auc", "weighted_roc_auc", "average_precision", "brier_score", "log_loss")


def scores(name: str, y_true: np.ndarray, ctx: AuditContext, details: dict[str, Any]) -> Measurement:
    """One check on scores; the task decides binary (positive-class scores) or one-vs-rest."""
    if ctx.task == "multiclass":
        return multiclass(name, ctx, details)
    if name == "weighted_roc_auc":
        raise ValueError("performance.weighted_roc_auc averages over the classes of a multiclass model; use roc_auc")
    return binary(name, y_true, ctx, details)


def binary(name: str, y_true: np.ndarray, ctx: AuditContext, details: dict[str, Any]) -> Measurement:
    """ROC AUC, average precision, Brier score or log loss of the positive-class scores."""
    import numpy as np
    from sklearn import metrics

    if ctx.y_score is None:
        raise ValueError(f"performance.{name} needs the model's scores (predict_proba or --probability-column)")
    scored = np.asarray(ctx.y_score)[known_targets(ctx.y_true.to_numpy())]
    truth = y_true == ctx.positive_label
    weights = None
    if ctx.source is not None and name in ("roc_auc", "average_precision"):
        # on an engine the frame is a sample: every row's score, as distinct pairs weighted by their rows
        pairs = score_pairs(ctx)
        scored, truth, weights = pairs.scores, pairs.positive, pairs.counts.astype(np.float64)
    if name in ("roc_auc", "average_precision") and len(np.unique(truth)) < 2:
        what = "ROC AUC" if name == "roc_auc" else "average precision"
        return Measurement(
            inconclusive_reason=f"the target has only one class in the current data; {what} needs both",
            sample_size=len(truth) if weights is None else int(weights.sum()),
            details=details,
        )
    rows = len(truth) if weights is None else int(weights.sum())
    if name == "roc_auc":
        value = float(metrics.roc_auc_score(truth, scored, sample_weight=weights))
        details["roc_curves"] = [curves.roc(truth, scored, ctx.positive_label, value, weights)]
        return Measurement(value=value, sample_size=rows, method="sklearn.metrics.roc_auc", details=details)
    if name == "average_precision":
        value = float(metrics.average_precision_score(truth, scored, sample_weight=weights))
        details["pr_curves"] = [curves.precision_recall(truth, scored, ctx.positive_label, value, weights)]
        return Measurement(value=value, sample_size=rows, method="sklearn.metrics.average_precision", details=details)
    if ctx.source is not None:  # on an engine the frame is a sample: the mean loss over every row
        sums = loss_sums(ctx)
        if name == "brier_score":
            details["calibration"] = calibration(ctx)
        return Measurement(
            value=sums.mean(name), sample_size=sums.rows, method=f"sklearn.metrics.{name}", details=details
        )
    if name == "log_loss":
        value = float(metrics.log_loss(truth, scored, labels=[False, True]))
    else:
        value = float(metrics.brier_score_loss(truth, scored))
        details["calibration"] = calibration(ctx)
    return Measurement(value=value, sample_size=len(truth), method=f"sklearn.metrics.{name}", details=details)


def calibration(ctx: AuditContext) -> dict[str, Any]:
    """Reliability curves of the positive-class scores, overall and by sensitive group, counted once."""
    assert ctx.target is not None  # the caller read the target
    counter = curves.CalibrationCounter(
        target=ctx.target,
        positive=frozenset(label_text(v) for v in ctx.favourable_labels),
        sensitive=tuple(ctx.sensitive),
    )
    summary = ctx.memo(("performance.calibration", counter), lambda: ctx.accumulate(counter))
    return curves.calibration(summary, ", ".join(sorted(counter.positive)))


NO_MATRIX = (
    "the class probabilities are not known (a multiclass model without predict_proba, or predictions given "
    "as columns): one-vs-rest needs the model's probability for every class"
)


def _probabilities(ctx: AuditContext) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    """Known rows' true labels (text), their probability rows and the class labels (text); None without a matrix."""
    import numpy as np

    predictions = ctx.current_predictions
    if predictions is None or predictions.probabilities is None or predictions.classes is None:
        return None
    known = known_targets(ctx.y_true.to_numpy())
    truth = curves.as_text(ctx.y_true.to_numpy()[known])
    matrix = np.asarray(predictions.probabilities, dtype=float)[known]
    return truth, matrix, [label_text(c) for c in predictions.classes]


def multiclass(name: str, ctx: AuditContext, details: dict[str, Any]) -> Measurement:
    """One-vs-rest ROC AUC (macro or weighted), average precision (macro) or log loss of a multiclass model."""
    import numpy as np

    if name == "brier_score":
        raise ValueError("performance.brier_score is for binary models; use log_loss for a multiclass model")
    found = _probabilities(ctx)
    if found is None:
        return Measurement(inconclusive_reason=NO_MATRIX, details=details)
    truth, matrix, classes = found
    unknown = sorted(set(truth.tolist()) - set(classes))
    if unknown:
        shown = ", ".join(unknown[:5])
        return Measurement(
            inconclusive_reason=f"the target has labels the model has no probability for: {shown}",
            sample_size=len(truth),
            details=details,
        )
    if name == "log_loss":
        return _log_loss(truth, matrix, classes, details)
    support = np.array([int((truth == c).sum()) for c in classes])
    present = [k for k, rows in enumerate(support) if 0 < rows < len(truth)]
    if len(present) < 2:
        return Measurement(
            inconclusive_reason="fewer than two classes of the model occur in the current target",
            sample_size=len(truth),
            details=details,
        )
    absent = [classes[k] for k, rows in enumerate(support) if rows == 0]
    details["classes_without_rows"] = absent
    areas, drawn = _one_vs_rest(name, truth, matrix, classes, present)
    weights = support[present] if name == "weighted_roc_auc" else np.ones(len(present))
    details["averaging"] = "weighted" if name == "weighted_roc_auc" else "macro"
    details["roc_curves" if "roc" in name else "pr_curves"] = drawn
    value = float(np.average(areas, weights=weights))
    method = "one-vs-rest sklearn.metrics." + ("roc_auc_score" if "roc" in name else "average_precision_score")
    return Measurement(value=value, sample_size=len(truth), method=method, details=details)


def _one_vs_rest(
    name: str, truth: np.ndarray, matrix: np.ndarray, classes: list[str], present: list[int]
) -> tuple[list[float], list[dict[str, Any]]]:
    """Each present class's area against the rest and its curve."""
    from sklearn import metrics

    areas: list[float] = []
    drawn: list[dict[str, Any]] = []
    for k in present:
        positive = truth == classes[k]
        if "roc" in name:
            area = float(metrics.roc_auc_score(positive, matrix[:, k]))
            drawn.append(curves.roc(positive, matrix[:, k], classes[k], area))
        else:
            area = float(metrics.average_precision_score(positive, matrix[:, k]))
            drawn.append(curves.precision_recall(positive, matrix[:, k], classes[k], area))
        areas.append(area)
    return areas, drawn


def _log_loss(truth: np.ndarray, matrix: np.ndarray, classes: list[str], details: dict[str, Any]) -> Measurement:
    """Mean negative log probability of the true class (scikit-learn's log_loss, columns in label order)."""
    import numpy as np
    from sklearn import metrics

    order = np.argsort(np.array(classes, dtype=object))  # log_loss reads the columns in sorted label order
    labels = [classes[k] for k in order]
    value = float(metrics.log_loss(truth, matrix[:, order], labels=labels))
    return Measurement(value=value, sample_size=len(truth), method="sklearn.metrics.log_loss", details=details)
