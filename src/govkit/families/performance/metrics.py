"""Checks on the predicted labels, from scikit-learn's metrics on the rows with a known target.

Each is a function of the confusion matrix, which each of them records as evidence. A binary model's
F1, precision and recall are those of its positive label; a multiclass model's are averaged over the
classes, macro (``f1``, ``precision``, ``recall``: every class counts the same) or weighted by each
class's rows (``weighted_*``), and its evidence adds every class's own scores.

On an engine (``--engine stream|spark``) the frame is a sample, but the confusion matrix counts every
row, so the metric is computed by scikit-learn from the matrix itself: one (true, predicted) pair per
cell, weighted by the cell's count, which is the whole data's metric exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.performance.confusion import Confusion, confusion, label_text
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
    counted = confusion(ctx)
    weights = None
    if ctx.source is not None:  # every row counted where it lives: the pairs of the matrix, weighted
        y_true, y_pred, weights = _cells(counted)
        if binary:
            averaging["pos_label"] = label_text(ctx.positive_label)
    computed = {
        "accuracy": lambda: metrics.accuracy_score(y_true, y_pred, sample_weight=weights),
        "balanced_accuracy": lambda: metrics.balanced_accuracy_score(y_true, y_pred, sample_weight=weights),
        "f1": lambda: metrics.f1_score(y_true, y_pred, zero_division=0, sample_weight=weights, **averaging),
        "precision": lambda: metrics.precision_score(
            y_true, y_pred, zero_division=0, sample_weight=weights, **averaging
        ),
        "recall": lambda: metrics.recall_score(y_true, y_pred, zero_division=0, sample_weight=weights, **averaging),
    }[metric]()
    details["confusion_matrix"] = counted.evidence()
    if not binary:
        details["per_class"] = per_class(counted)
    rows = len(y_true) if weights is None else int(counted.matrix.sum())
    return Measurement(value=float(computed), sample_size=rows, method=f"sklearn.metrics.{metric}", details=details)


def _cells(counted: Confusion) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(true labels, predicted labels, counts) of the matrix's non-empty cells."""
    import numpy as np

    truth, guess = np.nonzero(counted.matrix)
    labels = np.array(counted.labels, dtype=object)
    return labels[truth], labels[guess], counted.matrix[truth, guess].astype(np.float64)


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
