"""Group fairness: does the model treat groups of people differently?

For a classifier, every metric is a function of four counts per group (true/false positives/negatives)
plus the number of rows and of positive decisions, so it is exact and fast on millions of rows. The
definitions follow fairlearn's (``demographic_parity_ratio`` is the lowest selection rate over the
highest, ``equalized_odds_difference`` the larger of the TPR and FPR gaps), and the tests compare
them with fairlearn's ``MetricFrame`` on the raw rows. With ``reference_group`` (or ``privileged``
values) every group is compared with a reference group instead, with AIF360's conventions (group
minus reference, group over reference), and the tests compare them with AIF360. A multiclass model's
decisions are made binary first: favourable when the label is in the favourable set, or each class in
turn one-vs-rest (the worst class decides). For a regression model, groups are compared on their mean
prediction and errors, from per-group sums.

Honesty about small data: a group decides a statistic only with enough rows (``min_group_size``,
``min_group_share``) and enough rows in the statistic's own denominator (``min_rate_denominator``:
actual positives for the true positive rate, and so on). Smaller groups are listed, and when one
would have decided, the check is inconclusive unless the large groups already breach a threshold.
Every value has an interval that holds its level although the value is the worst of many
comparisons (measured by simulation: docs/fairness-statistics.md).

The package, one job per module: ``params`` (what to compare), ``counts`` (rows coded into cells and
counted, as a mergeable accumulator), ``statistics`` (per-group estimates and their limits, MOVER
contrasts), ``intervals`` (the interval of the worst comparison), ``reference`` (the reference group
of each grouping), ``metrics`` (the comparisons between groups), ``outcome`` (the check's value,
interval and reasons), ``classification`` and ``regression`` (one check's measurement),
``multiclass`` (a favourable set of classes, or every class one-vs-rest, and confusion matrices by
group), ``sums`` (a regression model's per-cell sums), ``bootstrap`` and ``gaps`` (each grouping's
gaps in regression statistics with Poisson bootstrap intervals), ``prose`` (its sentence) and
``evidence`` (what its details hold).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.fairness import classification, multiclass, regression
from govkit.families.fairness.evidence import GroupFairnessEvidence, RegressionFairnessEvidence
from govkit.families.fairness.params import FairnessParams, ReferenceGroupParams
from govkit.registry import CheckDef

if TYPE_CHECKING:
    from govkit.context import AuditContext
    from govkit.results import Measurement

NAME = "fairness"
TITLE = "Fairness"
INTRO = (
    "Does the model treat groups of people differently? Rates are compared across the groups of "
    "each sensitive column and their intersections."
)

_DECISIONS = frozenset({"current", "prediction", "sensitive", "classifier"})
_OUTCOMES = _DECISIONS | {"target"}
# A classifier's checks binarise multiclass decisions (a favourable set, or each class one-vs-rest).
_CLASSIFIERS = frozenset({"binary", "multiclass"})
_REGRESSORS = frozenset({"regression"})


CHECKS: dict[str, CheckDef] = {
    "demographic_parity_difference": CheckDef(
        title="Demographic parity difference",
        doc="Highest minus lowest selection rate across groups (0 = parity).",
        requires=_DECISIONS,
        params=FairnessParams,
        evidence=GroupFairnessEvidence,
        tasks=_CLASSIFIERS,
        unit="difference",
        higher_is_better=False,
    ),
    "demographic_parity_ratio": CheckDef(
        title="Demographic parity ratio",
        doc="Lowest over highest selection rate across groups (1 = parity; the four-fifths rule asks for 0.8).",
        requires=_DECISIONS,
        params=FairnessParams,
        evidence=GroupFairnessEvidence,
        tasks=_CLASSIFIERS,
        unit="ratio",
        higher_is_better=True,
    ),
    "disparate_impact_ratio": CheckDef(
        title="Disparate impact ratio (four-fifths rule)",
        doc="Lowest selection rate of any group over the reference group's (default: the most favoured group).",
        requires=_DECISIONS,
        params=ReferenceGroupParams,
        evidence=GroupFairnessEvidence,
        tasks=_CLASSIFIERS,
        unit="ratio",
        higher_is_better=True,
    ),
    "equalized_odds_difference": CheckDef(
        title="Equalized odds difference",
        doc="The larger of the true-positive-rate gap and the false-positive-rate gap across groups.",
        requires=_OUTCOMES,
        params=FairnessParams,
        evidence=GroupFairnessEvidence,
        tasks=_CLASSIFIERS,
        unit="difference",
        higher_is_better=False,
    ),
    "equalized_odds_ratio": CheckDef(
        title="Equalized odds ratio",
        doc="The smaller of the lowest/highest true-positive-rate and false-positive-rate ratios across groups.",
        requires=_OUTCOMES,
        params=FairnessParams,
        evidence=GroupFairnessEvidence,
        tasks=_CLASSIFIERS,
        unit="ratio",
        higher_is_better=True,
    ),
    "equal_opportunity_difference": CheckDef(
        title="Equal opportunity difference",
        doc="Highest minus lowest true positive rate (recall) across groups.",
        requires=_OUTCOMES,
        params=FairnessParams,
        evidence=GroupFairnessEvidence,
        tasks=_CLASSIFIERS,
        unit="difference",
        higher_is_better=False,
    ),
    "false_positive_rate_difference": CheckDef(
        title="False positive rate difference",
        doc="Highest minus lowest false positive rate across groups.",
        requires=_OUTCOMES,
        params=FairnessParams,
        evidence=GroupFairnessEvidence,
        tasks=_CLASSIFIERS,
        unit="difference",
        higher_is_better=False,
    ),
    "predictive_parity_difference": CheckDef(
        title="Predictive parity difference",
        doc="Highest minus lowest precision (positive predictive value) across groups.",
        requires=_OUTCOMES,
        params=FairnessParams,
        evidence=GroupFairnessEvidence,
        tasks=_CLASSIFIERS,
        unit="difference",
        higher_is_better=False,
    ),
    "accuracy_difference": CheckDef(
        title="Accuracy difference",
        doc="Highest minus lowest accuracy across groups.",
        requires=_OUTCOMES,
        params=FairnessParams,
        evidence=GroupFairnessEvidence,
        tasks=_CLASSIFIERS,
        unit="difference",
        higher_is_better=False,
    ),
    "average_odds_difference": CheckDef(
        title="Average odds difference",
        doc="Largest gap in the average of the true and false positive rates across groups (AIF360's average "
        "odds difference).",
        requires=_OUTCOMES,
        params=FairnessParams,
        evidence=GroupFairnessEvidence,
        tasks=_CLASSIFIERS,
        unit="difference",
        higher_is_better=False,
    ),
    "mean_prediction_difference": CheckDef(
        title="Mean prediction difference",
        doc="Highest minus lowest mean prediction across groups (regression models).",
        requires=frozenset({"current", "prediction", "sensitive"}),
        params=FairnessParams,
        evidence=RegressionFairnessEvidence,
        tasks=_REGRESSORS,
        unit="target units",
        higher_is_better=False,
    ),
    "mae_difference": CheckDef(
        title="Mean absolute error difference",
        doc="Highest minus lowest mean absolute error across groups (regression models).",
        requires=frozenset({"current", "prediction", "sensitive", "target"}),
        params=FairnessParams,
        evidence=RegressionFairnessEvidence,
        tasks=_REGRESSORS,
        unit="target units",
        higher_is_better=False,
    ),
    "rmse_difference": CheckDef(
        title="Root mean squared error difference",
        doc="Highest minus lowest root mean squared error across groups (regression models).",
        requires=frozenset({"current", "prediction", "sensitive", "target"}),
        params=FairnessParams,
        evidence=RegressionFairnessEvidence,
        tasks=_REGRESSORS,
        unit="target units",
        higher_is_better=False,
    ),
}


def run(name: str, params: Any, ctx: AuditContext) -> Measurement:
    """Measure one fairness check; the policy's thresholds judge it."""
    if name in regression.REGRESSION_STATS:
        return regression.measure(name, params, ctx)
    if ctx.task == "multiclass":
        return multiclass.measure(name, params, ctx)
    return classification.measure(name, params, ctx)
