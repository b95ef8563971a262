"""The evidence of the fairness checks: what ``Measurement.details`` holds, as pydantic models.

The family writes plain dicts; the runner validates them against these models, and the report
section reads them back through the same models. Every model forbids unknown keys (``Evidence``),
so a renamed key fails the family's own tests instead of emptying a table in the report. Fields
added after the first release have defaults, so an older results file still reads.

This module imports only pydantic, the standard library and ``govkit.registry``: the report may
import it without importing the family.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from govkit.registry import Evidence

# The per-group rates of a classifier's decisions (see ``counts.RATE_NAMES``).
Rate = Literal["selection_rate", "tpr", "fpr", "fnr", "precision", "accuracy"]
# What a classification check compares: a rate, or the average of the TPR and FPR (average odds).
ComparedStatistic = Literal["selection_rate", "tpr", "fpr", "fnr", "precision", "accuracy", "average_odds"]
# The per-group statistics of a regression model (see ``regression.REGRESSION_STATS``).
RegressionStatistic = Literal["mean_prediction", "mae", "rmse"]
# Every per-group statistic of a regression model the evidence shows (the signed mean error too).
GroupStatistic = Literal["mean_prediction", "mean_error", "mae", "rmse"]
AnyStatistic = Literal[
    "selection_rate",
    "tpr",
    "fpr",
    "fnr",
    "precision",
    "accuracy",
    "average_odds",
    "mean_prediction",
    "mean_error",
    "mae",
    "rmse",
]
Interval = tuple[float, float]


class GroupRates(Evidence):
    """One group of a grouping: its confusion counts, its rates and their Wilson intervals.

    A rate is None where it is undefined (e.g. the true positive rate of a group with no positive
    rows); so is its interval. The intervals are at the evidence's ``confidence`` (95% when absent).
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
    large_enough: bool  # enough rows to decide a check
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
    # for a group with enough rows: the defined rates whose own denominator (e.g. actual positives for the
    # TPR) is below min_rate_denominator; shown, but the group does not decide them
    too_few_for: list[Rate] = Field(default_factory=list)


class AgainstReference(Evidence):
    """One group compared with the reference group on one statistic (AIF360's sign and ratio conventions)."""

    group: str
    rate: AnyStatistic
    value: float | None  # group minus reference (a difference), or group over reference (a ratio)
    interval: Interval | None  # this comparison's own interval at the evidence's confidence
    group_value: float | None
    reference_value: float | None
    decides: bool  # both the group and the reference group are large enough to decide


class ComparisonBase(Evidence):
    """The check's metric over one grouping, with the groups that decided it and those set aside."""

    grouping: str  # the sensitive columns, joined with " × "
    value: float | None  # None when the grouping could not be compared
    low_group: str | None  # with a reference group: the deciding group
    high_group: str | None  # with a reference group: the reference group
    small_groups: list[str]  # groups with too few rows to decide
    small_groups_that_would_decide: list[str]
    reference_group: str | None = None  # absent: every group compared with every other
    reason: str | None = None  # why a statistic of the metric could not be compared here
    against_reference: list[AgainstReference] | None = None  # every group against the reference group
    how: Literal["difference", "ratio"] | None = None  # with a reference group: how each group is compared


class GroupComparison(ComparisonBase):
    """A classification metric over one grouping."""

    rate: ComparedStatistic  # the statistic that decided (for equalized odds: the worse of TPR and FPR)
    groups_with_undefined_rate: list[str]


class StatisticComparison(ComparisonBase):
    """A regression metric over one grouping."""

    statistic: RegressionStatistic


class ClassOutcome(Evidence):
    """A multiclass check computed with one class as the favourable outcome (one-vs-rest)."""

    label: str  # the class, as text
    value: float | None  # None when no grouping could be compared for this class
    interval: Interval | None = None  # this class's own interval (corrected for its own comparisons)
    deciding_grouping: str | None = None
    low_group: str | None = None  # the deciding comparison's groups (with a reference group: group, reference)
    high_group: str | None = None
    rate: ComparedStatistic | None = None
    reason: str | None = None  # why there is no value, or why the value is not conclusive


class GroupConfusion(Evidence):
    """One group's confusion matrix: rows are the true classes, columns the predicted ones."""

    group: str
    matrix: list[list[int]]  # [true][predicted], in the evidence's ``classes`` order
    unlabelled: list[int]  # predictions on rows without a known target, per predicted class


class ConfusionByGroup(Evidence):
    """Each grouping's confusion matrix per group (a multiclass model's raw labels, before any favourable set)."""

    classes: list[str]
    groupings: dict[str, list[GroupConfusion]]  # grouping -> its groups (a grouping with too many is left out)
    left_out: list[str] = Field(default_factory=list)  # plain reasons for what is not shown


class GroupFairnessEvidence(Evidence):
    """Evidence of every fairness check on a classifier's decisions (demographic parity, equalized odds, ...).

    For a multiclass model, the decisions are binarised: favourable when the label is in the favourable
    set (``favourable``), or, without a set, one class at a time (``per_class``); the group tables and
    comparisons are then those of the worst class (``worst_class``, also ``positive_label``).
    """

    positive_label: str
    min_group_size: int
    min_group_share: float
    groups: dict[str, list[GroupRates]]  # grouping (columns joined with " × ") -> its groups
    comparisons: list[GroupComparison]
    deciding_grouping: str | None = None  # absent when no grouping gave a value
    interval_method: str | None = None  # absent without an interval
    confidence: float | None = None  # of every interval; absent in older results (95%)
    min_rate_denominator: int | None = None
    task: Literal["binary", "multiclass"] | None = None  # recorded for multiclass models (absent: binary)
    favourable: list[str] | None = None  # multiclass: the favourable classes the decisions were binarised on
    per_class: list[ClassOutcome] | None = None  # multiclass without a favourable set: every class, one-vs-rest
    worst_class: str | None = None  # the class whose value is the check's
    confusion: ConfusionByGroup | None = None  # multiclass: each group's confusion matrix


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
    labelled: int | None = None  # rows with a known target (the errors' denominator)
    mean_prediction_interval: Interval | None = None
    mae_interval: Interval | None = None
    rmse_interval: Interval | None = None
    mean_error: float | None = None  # prediction minus truth, on average (signed: above 0 overestimates)
    mean_error_interval: Interval | None = None


class Gap(Evidence):
    """The gap in one statistic between two groups of a grouping, with its bootstrap interval.

    Without a reference group: the highest large group minus the lowest. With one: the group furthest
    from the reference group minus the reference group (AIF360's sign).
    """

    statistic: GroupStatistic
    group: str | None  # the value is this group's statistic minus ``minus``'s
    minus: str | None  # the lowest large group, or the reference group
    value: float | None
    interval: Interval | None = None  # bootstrap percentile interval of this pair's gap
    reason: str | None = None  # why there is no gap


class BootstrapMethod(Evidence):
    """How the gaps' intervals were resampled."""

    replicates: int
    seed: int
    method: str


class RegressionFairnessEvidence(Evidence):
    """Evidence of the regression fairness checks (mean prediction, MAE and RMSE differences)."""

    groups: dict[str, list[GroupErrors]]
    statistic: RegressionStatistic  # the per-group statistic the check compares
    min_group_size: int
    deciding_grouping: str | None = None
    min_group_share: float | None = None
    min_rate_denominator: int | None = None
    comparisons: list[StatisticComparison] | None = None
    interval_method: str | None = None
    confidence: float | None = None
    gaps: dict[str, list[Gap]] | None = None  # grouping -> the gap in each statistic, with bootstrap intervals
    bootstrap: BootstrapMethod | None = None
