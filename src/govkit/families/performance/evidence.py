"""The evidence of the performance checks: what ``Measurement.details`` holds, as pydantic models.

The family writes plain dicts; the runner validates them against these models, and the report
section reads them back through the same models. Unknown keys are refused (``Evidence``), so a
renamed key fails the family's own tests instead of dropping the confusion matrix from the report.

This module imports only pydantic, the standard library and ``govkit.registry``: the report may
import it without importing the family.
"""

from __future__ import annotations

from typing import Literal

from govkit.registry import Evidence


class ConfusionMatrix(Evidence):
    """Counts of (true, predicted) label pairs on the rows with a known target.

    ``matrix[i][j]`` counts rows whose true label is ``labels[i]`` and predicted label ``labels[j]``.
    Labels are text, sorted; labels that read the same (1 and 1.0) are one label.
    """

    labels: list[str]
    matrix: list[list[int]]


class PerformanceEvidence(Evidence):
    """What every performance check records: how many rows it could not use."""

    rows_without_target: int  # rows left out because their target is missing


class DecisionEvidence(PerformanceEvidence):
    """Evidence of a check on the predicted labels (accuracy, balanced accuracy, F1, precision, recall).

    Each of these is a function of the confusion matrix, which is therefore their evidence; it is
    absent only when no row has a known target.
    """

    averaging: Literal["macro"] | None = None  # F1, precision and recall of a multiclass model
    confusion_matrix: ConfusionMatrix | None = None


class ScoreEvidence(PerformanceEvidence):
    """Evidence of a check on the positive-class scores (ROC AUC, Brier score)."""


class RegressionEvidence(PerformanceEvidence):
    """Evidence of a regression check (MAE, RMSE, R²)."""
