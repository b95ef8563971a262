"""The fairness section: each grouping's groups, as a chart with intervals and a table, and every comparison
with a reference group.

The checks' evidence is read through the fairness family's evidence models. All fairness checks of
one kind carry the same group tables, so the section takes them from the first check whose evidence
holds them: for a classifier, the selection rate by group (chart, with Wilson intervals) and the
group rates; for a regression model, the compared statistic by group (chart, with its interval) and
the group errors. A check compared with a reference group adds a table of every group against it.
A check whose evidence fits neither model (an error result, or a results file from elsewhere) is
left out of this view; its row in the checks table still shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from govkit.families.fairness.evidence import (
    AgainstReference,
    ComparisonBase,
    GroupErrors,
    GroupFairnessEvidence,
    GroupRates,
    Interval,
    RegressionFairnessEvidence,
)
from govkit.report.charts import bar_chart
from govkit.report.sections.common import read_evidence
from govkit.report.text import number, percent
from govkit.results import CheckResult

TEMPLATE = "families/fairness.html.j2"


STATISTIC_TITLES = {"mean_prediction": "Mean prediction", "mae": "Mean absolute error", "rmse": "RMSE"}
COMPARED_TITLES = {
    "selection_rate": "Selection rate",
    "tpr": "True positive rate",
    "fpr": "False positive rate",
    "fnr": "False negative rate",
    "precision": "Precision",
    "accuracy": "Accuracy",
    "average_odds": "Average of TPR and FPR",
    **STATISTIC_TITLES,
}
# Marks a rate whose own denominator is too small for the group to decide it.
FEW = " †"
# The level of intervals in results written before the level was recorded.
DEFAULT_CONFIDENCE = 0.95


@dataclass(frozen=True)
class RatesRow:
    """One group of a classifier's decisions as the table shows it."""

    group: str
    count: str
    share: str
    selection_rate: str
    selection_interval: str
    tpr: str
    fpr: str
    precision: str
    accuracy: str
    small: bool


@dataclass(frozen=True)
class ErrorsRow:
    """One group under a regression model as the table shows it."""

    group: str
    count: str
    share: str
    mean_prediction: str
    mae: str
    rmse: str
    small: bool


@dataclass(frozen=True)
class GroupingView:
    """One grouping (e.g. "sex × race"): its chart, its rows, and the groups too small to judge."""

    name: str
    chart: dict[str, Any]
    rows: list[RatesRow] | list[ErrorsRow]
    small_groups: list[str]


@dataclass(frozen=True)
class AgainstRow:
    """One group against the reference group, as the comparisons table shows it."""

    group: str
    statistic: str
    group_value: str
    reference_value: str
    value: str
    interval: str
    small: bool


@dataclass(frozen=True)
class ReferenceTable:
    """One check's comparisons of every group of one grouping with its reference group."""

    check: str
    grouping: str
    reference: str
    measure: Literal["Difference", "Ratio"]
    rows: list[AgainstRow]


@dataclass(frozen=True)
class FairnessView:
    """What the fairness partial places. ``kind`` is None when no check carried group tables."""

    kind: Literal["decisions", "errors"] | None = None
    groupings: list[GroupingView] = field(default_factory=list)
    positive_label: str = ""  # decisions: the favourable outcome
    statistic: str = ""  # errors: the charted statistic, as a title
    min_group_size: int | None = None
    min_group_share: str | None = None  # decisions only: the regression evidence does not record it
    confidence: str = "95%"  # the level of every interval shown
    min_rate_denominator: int | None = None  # set when some rate is marked as resting on too few rows
    references: list[ReferenceTable] = field(default_factory=list)
    statistic_intervals: bool = False  # errors: the chart shows each group's interval


def build(checks: list[CheckResult]) -> FairnessView:
    from dataclasses import replace

    view = FairnessView()
    for check in checks:
        decisions = read_evidence(check, GroupFairnessEvidence)
        if decisions is not None:
            view = _decisions_view(decisions)
            break
        errors = read_evidence(check, RegressionFairnessEvidence)
        if errors is not None:
            view = _errors_view(errors)
            break
    return replace(view, references=_reference_tables(checks))


def level(confidence: float | None) -> str:
    """An interval's level as the report prints it, e.g. "95%" or "97.5%"."""
    return f"{(DEFAULT_CONFIDENCE if confidence is None else confidence) * 100:g}%"


def _decisions_view(evidence: GroupFairnessEvidence) -> FairnessView:
    groupings = []
    for name, groups in evidence.groups.items():
        ordered = sorted(groups, key=lambda g: -g.count)
        chart = bar_chart(
            [(g.group, g.selection_rate, g.selection_rate_interval) for g in ordered],
            maximum=1.0,
            value_format="percent",
        )
        groupings.append(
            GroupingView(
                name=name,
                chart=chart,
                rows=[_rates_row(g) for g in ordered],
                small_groups=[g.group for g in ordered if not g.large_enough],
            )
        )
    few = any(g.too_few_for for groups in evidence.groups.values() for g in groups)
    return FairnessView(
        kind="decisions",
        groupings=groupings,
        positive_label=evidence.positive_label,
        min_group_size=evidence.min_group_size,
        min_group_share=percent(evidence.min_group_share),
        confidence=level(evidence.confidence),
        min_rate_denominator=evidence.min_rate_denominator if few else None,
    )


def _rates_row(g: GroupRates) -> RatesRow:
    def rate(value: float | None, name: str) -> str:
        return percent(value) + (FEW if name in g.too_few_for else "")

    return RatesRow(
        group=g.group,
        count=number(g.count),
        share=percent(g.share),
        selection_rate=rate(g.selection_rate, "selection_rate"),
        selection_interval=_interval_text(g.selection_rate_interval),
        tpr=rate(g.tpr, "tpr"),
        fpr=rate(g.fpr, "fpr"),
        precision=rate(g.precision, "precision"),
        accuracy=rate(g.accuracy, "accuracy"),
        small=not g.large_enough,
    )


def _errors_view(evidence: RegressionFairnessEvidence) -> FairnessView:
    groupings = []
    for name, groups in evidence.groups.items():
        ordered = sorted(groups, key=lambda g: -g.count)
        chart = bar_chart(
            [(g.group, _statistic(g, evidence.statistic), _statistic_interval(g, evidence.statistic)) for g in ordered]
        )
        groupings.append(
            GroupingView(
                name=name,
                chart=chart,
                rows=[_errors_row(g) for g in ordered],
                small_groups=[g.group for g in ordered if not g.large_enough],
            )
        )
    return FairnessView(
        kind="errors",
        groupings=groupings,
        statistic=STATISTIC_TITLES[evidence.statistic],
        min_group_size=evidence.min_group_size,
        confidence=level(evidence.confidence),
        statistic_intervals=any(
            _statistic_interval(g, evidence.statistic) is not None
            for groups in evidence.groups.values()
            for g in groups
        ),
    )


def _statistic(g: GroupErrors, statistic: str) -> float | None:
    return {"mean_prediction": g.mean_prediction, "mae": g.mae, "rmse": g.rmse}[statistic]


def _statistic_interval(g: GroupErrors, statistic: str) -> Interval | None:
    return {"mean_prediction": g.mean_prediction_interval, "mae": g.mae_interval, "rmse": g.rmse_interval}[statistic]


def _errors_row(g: GroupErrors) -> ErrorsRow:
    return ErrorsRow(
        group=g.group,
        count=number(g.count),
        share=percent(g.share),
        mean_prediction=number(g.mean_prediction),
        mae=number(g.mae),
        rmse=number(g.rmse),
        small=not g.large_enough,
    )


def _interval_text(value: Interval | None) -> str:
    return "—" if value is None else f"{value[0] * 100:.1f}–{value[1] * 100:.1f}%"


def _reference_tables(checks: list[CheckResult]) -> list[ReferenceTable]:
    """Every check's comparisons with a reference group, one table per check and grouping."""
    tables = []
    for check in checks:
        decisions = read_evidence(check, GroupFairnessEvidence)
        errors = None if decisions is not None else read_evidence(check, RegressionFairnessEvidence)
        comparisons: list[ComparisonBase] = []
        if decisions is not None:
            comparisons = list(decisions.comparisons)
        elif errors is not None:
            comparisons = list(errors.comparisons or [])
        for comparison in comparisons:
            if comparison.reference_group is None or not comparison.against_reference:
                continue
            measure: Literal["Difference", "Ratio"] = "Ratio" if comparison.how == "ratio" else "Difference"
            rows = [_against_row(a, measure, errors is not None) for a in comparison.against_reference]
            tables.append(
                ReferenceTable(
                    check=check.title,
                    grouping=comparison.grouping,
                    reference=comparison.reference_group,
                    measure=measure,
                    rows=rows,
                )
            )
    return tables


def _against_row(a: AgainstReference, measure: str, regression: bool) -> AgainstRow:
    def shown(value: float | None) -> str:
        return number(value) if regression else percent(value)

    def compared(value: float) -> str:
        return f"{value:.3f}" if measure == "Ratio" else f"{value:+.3f}"

    return AgainstRow(
        group=a.group,
        statistic=COMPARED_TITLES[a.rate],
        group_value=shown(a.group_value),
        reference_value=shown(a.reference_value),
        value="—" if a.value is None else compared(a.value),
        interval="—" if a.interval is None else f"{compared(a.interval[0])} – {compared(a.interval[1])}",
        small=not a.decides,
    )
