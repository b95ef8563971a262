"""Checks on the predicted labels, from scikit-learn's metrics on the rows with a known target.

Each is a function of the confusion matrix, which each of them records as evidence. A binary model's
F1, precision and recall are those of its positive label; a multiclass model's are averaged over the
classes, macro (``f1``, ``precision``, ``recall``: every class counts the same) or weighted by each
class's rows (``weighted_*``), and its evidence adds every class's own scores.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.performance.confusion import Confusion, confusion
from govkit.results import Measurement

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import AuditContext

DECISIONS = (
    "accuracy",
    "balanced_accuracy",
    "f1",
    "precision",
    "recall",
    "weighted_f1",
    "weighted_precision",
    "weighted_recall",
)


def decisions(
    name: str, y_true: np.ndarray, y_pred: np.ndarray, ctx: AuditContext, details: dict[str, Any]
) -> Measurement:
    """Accuracy, balanced accuracy, F1, precision or recall of the predicted labels."""
    from sklearn import metrics

    binary = ctx.task == "binary"
    weighted = name.startswith("weighted_")
    if weighted and binary:
        raise ValueError(f"performance.{name} averages over the classes of a multiclass model; use {name[9:]}")
    metric = name.removeprefix("weighted_")
    average = "weighted" if weighted else "macro"
    averaging: dict[str, Any] = (
        {"average": "binary", "pos_label": ctx.positive_label} if binary else {"average": average}
    )
    if metric in ("f1", "precision", "recall") and not binary:
        details["averaging"] = average
    computed = {
        "accuracy": lambda: metrics.accuracy_score(y_true, y_pred),
        "balanced_accuracy": lambda: metrics.balanced_accuracy_score(y_true, y_pred),
        "f1": lambda: metrics.f1_score(y_true, y_pred, zero_division=0, **averaging),
        "precision": lambda: metrics.precision_score(y_true, y_pred, zero_division=0, **averaging),
        "recall": lambda: metrics.recall_score(y_true, y_pred, zero_division=0, **averaging),
    }[metric]()
    counted = confusion(ctx)
    details["confusion_matrix"] = counted.evidence()
    if not binary:
        details["per_class"] = per_class(counted)
    return Measurement(
        value=float(computed), sample_size=len(y_true), method=f"sklearn.metrics.{metric}", details=details
    )


def per_class(counted: Confusion) -> list[dict[str, Any]]:
    """Each class against the rest, read off the confusion matrix (``evidence.ClassScores``; 0 when undefined)."""
    matrix = counted.matrix
    rows: list[dict[str, Any]] = []
    for k, label in enumerate(counted.labels):
        hits = int(matrix[k, k])
        predicted, support = int(matrix[:, k].sum()), int(matrix[k, :].sum())
        precision = hits / predicted if predicted else 0.0
        recall = hits / support if support else 0.0
        f1 = 2 * hits / (predicted + support) if predicted + support else 0.0
        rows.append({"label": label, "precision": precision, "recall": recall, "f1": f1, "support": support})
    return rows
