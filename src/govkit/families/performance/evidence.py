"""The evidence of the performance checks: what ``Measurement.details`` holds, as pydantic models.

The family writes plain dicts; the runner validates them against these models, and the report
section reads them back through the same models. Unknown keys are refused (``Evidence``), so a
renamed key fails the family's own tests instead of dropping the confusion matrix from the report.

The data of the report's plots (ROC, precision-recall and calibration curves, residuals) lives
here too, bounded in size, so ``govkit render`` of a results file draws the same plots. Fields
added after the first release are optional, so an older results file still reads.

This module imports only pydantic, the standard library and ``govkit.registry``: the report may
import it without importing the family.
"""

from __future__ import annotations

from typing import Literal

from govkit.registry import Evidence

Averaging = Literal["macro", "weighted"]


class ConfusionMatrix(Evidence):
    """Counts of (true, predicted) label pairs on the rows with a known target.

    ``matrix[i][j]`` counts rows whose true label is ``labels[i]`` and predicted label ``labels[j]``.
    Labels are text, sorted; labels that read the same (1 and 1.0) are one label.
    """

    labels: list[str]
    matrix: list[list[int]]


class ClassScores(Evidence):
    """Precision, recall and F1 of one class against the rest, from the confusion matrix (0 when undefined)."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int  # rows whose true label is this class


class PerformanceEvidence(Evidence):
    """What every performance check records: how many rows it could not use."""

    rows_without_target: int  # rows left out because their target is missing


class DecisionEvidence(PerformanceEvidence):
    """Evidence of a check on the predicted labels (accuracy, balanced accuracy, F1, precision, recall).

    Each of these is a function of the confusion matrix, which is therefore their evidence; it is
    absent only when no row has a known target. A multiclass model also gets each class's scores.
    """

    averaging: Averaging | None = None  # F1, precision and recall of a multiclass model
    confusion_matrix: ConfusionMatrix | None = None
    per_class: list[ClassScores] | None = None


class Curve(Evidence):
    """One curve of at most 101 points, thinned evenly along the full curve (ends kept).

    ROC: ``x`` false positive rate, ``y`` true positive rate. Precision-recall: ``x`` recall, ``y``
    precision. ``positive`` is the class counted as positive (one-vs-rest for a multiclass model);
    ``area`` is the exact area on every row (ROC AUC or average precision), not the thinned curve's.
    """

    positive: str
    x: list[float]
    y: list[float]
    area: float | None
    points: int  # points of the full curve before thinning
    rows: int  # rows of this class (its support)


class CalibrationBin(Evidence):
    """Rows whose score falls in (lower, upper] (the first bin includes 0, as in scikit-learn's
    ``calibration_curve``): their mean score and the share that is truly positive."""

    lower: float
    upper: float
    rows: int
    mean_score: float
    observed_rate: float


class CalibrationCurve(Evidence):
    """A reliability curve: the non-empty bins of one set of rows (all rows, or one group)."""

    column: str | None  # the sensitive column of a group's curve; None for all rows
    group: str | None
    rows: int
    bins: list[CalibrationBin]


class Calibration(Evidence):
    """Reliability curves of the positive-class scores on equal-width bins of [0, 1]."""

    positive: str
    bin_count: int
    overall: CalibrationCurve
    groups: list[CalibrationCurve]
    groups_left_out: int  # small groups (or groups past the cap) with no curve of their own


class ScoreEvidence(PerformanceEvidence):
    """Evidence of a check on scores or class probabilities (ROC AUC, average precision, Brier, log loss).

    ``roc_curves`` / ``pr_curves``: one curve for a binary model, one per class (one-vs-rest) for a
    multiclass model. ``calibration``: the Brier score's reliability curves, overall and by group.
    """

    averaging: Averaging | None = None  # a multiclass model's average over the classes
    roc_curves: list[Curve] | None = None
    pr_curves: list[Curve] | None = None
    calibration: Calibration | None = None
    classes_without_rows: list[str] | None = None  # classes absent from the target: left out of the average


class RegressionEvidence(PerformanceEvidence):
    """Evidence of a regression check (MAE, RMSE, R²)."""


class Quantile(Evidence):
    share: float  # 0.5 is the median
    value: float


class Histogram(Evidence):
    """Counts on equal-width bins between the 1st and 99th percentiles; the tails are counted apart."""

    edges: list[float]
    counts: list[int]
    below: int
    above: int


class ResidualScatter(Evidence):
    """At most 2,000 (prediction, residual) pairs, a seeded sample when there are more rows."""

    prediction: list[float]
    residual: list[float]
    sampled_from: int


class ResidualEvidence(PerformanceEvidence):
    """The distribution of the residuals, target minus prediction (positive: the model predicted too low)."""

    mean: float
    standard_deviation: float
    quantiles: list[Quantile]
    histogram: Histogram
    scatter: ResidualScatter
