"""The evidence of the fairness checks: what ``Measurement.details`` holds, as pydantic models.

The family writes plain dicts; the runner validates them against these models, and the report
section reads them back through the same models. Every model forbids unknown keys (``Evidence``),
so a renamed key fails the family's own tests instead of emptying a table in the report.

This module imports only pydantic, the standard library and ``govkit.registry``: the report may
import it without importing the family.
"""

from __future__ import annotations

from typing import Literal

from govkit.registry import Evidence

# The per-group rates of a classifier's decisions (see ``counts.RATE_NAMES``).
Rate = Literal["selection_rate", "tpr", "fpr", "fnr", "precision", "accuracy"]
# The per-group statistics of a regression model (see ``regression.REGRESSION_STATS``).
RegressionStatistic = Literal["mean_prediction", "mae", "rmse"]
Interval = tuple[float, float]


class GroupRates(Evidence):
    """One group of a grouping: its confusion counts, its rates and their 95% Wilson intervals.

    A rate is None where it is undefined (e.g. the true positive rate of a group with no positive
    rows); so is its interval.
    """

    group: str  # the group's label: its values joined with " / "
    values: dict[str, str]  # sensitive column -> value (text; "(missing)" for a missing value)
    count: int  # rows, with or without a known target
    share: float  # of all rows
    labelled: int  # rows with a known target
    selected: int  # rows given the favourable outcome
    tp: int
    fp: int
    tn: int
    fn: int
    large_enough: bool  # large enough to decide a check
    selection_rate: float | None
    selection_rate_interval: Interval | None
    tpr: float | None
    tpr_interval: Interval | None
    fpr: float | None
    fpr_interval: Interval | None
    fnr: float | None
    fnr_interval: Interval | None
    precision: float | None
    precision_interval: Interval | None
    accuracy: float | None
    accuracy_interval: Interval | None


class GroupComparison(Evidence):
    """The check's metric over one grouping, with the groups that decided it and those set aside."""

    grouping: str  # the sensitive columns, joined with " × "
    value: float | None  # None when fewer than two groups could be compared
    rate: Rate  # the rate that decided (for equalized odds: the worse of TPR and FPR)
    low_group: str | None
    high_group: str | None  # for a ratio against a reference group: the reference group
    small_groups: list[str]
    small_groups_that_would_decide: list[str]
    groups_with_undefined_rate: list[str]


class GroupFairnessEvidence(Evidence):
    """Evidence of every fairness check on a classifier's decisions (demographic parity, equalized odds, ...)."""

    positive_label: str
    min_group_size: int
    min_group_share: float
    groups: dict[str, list[GroupRates]]  # grouping (columns joined with " × ") -> its groups
    comparisons: list[GroupComparison]
    deciding_grouping: str | None = None  # absent when no grouping gave a value
    interval_method: str | None = None  # absent without a bootstrap interval


class GroupErrors(Evidence):
    """One group of a grouping under a regression model: its mean prediction and its errors.

    The errors are None for a group without a known target.
    """

    group: str
    count: int
    share: float
    mean_prediction: float | None
    mae: float | None
    rmse: float | None
    large_enough: bool


class RegressionFairnessEvidence(Evidence):
    """Evidence of the regression fairness checks (mean prediction, MAE and RMSE differences)."""

    groups: dict[str, list[GroupErrors]]
    statistic: RegressionStatistic  # the per-group statistic the check compares
    min_group_size: int
    deciding_grouping: str | None = None
