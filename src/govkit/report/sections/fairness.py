"""The fairness section: each grouping's groups, as a chart with intervals and a table.

The checks' evidence is read through the fairness family's evidence models. All fairness checks of
one kind carry the same group tables, so the section takes them from the first check whose evidence
holds them: for a classifier, the selection rate by group (chart, with Wilson intervals) and the
group rates; for a regression model, the compared statistic by group (chart) and the group errors.
A check whose evidence fits neither model (an error result, or a results file from elsewhere) is
left out of this view; its row in the checks table still shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from govkit.families.fairness.evidence import (
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
class FairnessView:
    """What the fairness partial places. ``kind`` is None when no check carried group tables."""

    kind: Literal["decisions", "errors"] | None = None
    groupings: list[GroupingView] = field(default_factory=list)
    positive_label: str = ""  # decisions: the favourable outcome
    statistic: str = ""  # errors: the charted statistic, as a title
    min_group_size: int | None = None
    min_group_share: str | None = None  # decisions only: the regression evidence does not record it


def build(checks: list[CheckResult]) -> FairnessView:
    for check in checks:
        decisions = read_evidence(check, GroupFairnessEvidence)
        if decisions is not None:
            return _decisions_view(decisions)
        errors = read_evidence(check, RegressionFairnessEvidence)
        if errors is not None:
            return _errors_view(errors)
    return FairnessView()


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
    return FairnessView(
        kind="decisions",
        groupings=groupings,
        positive_label=evidence.positive_label,
        min_group_size=evidence.min_group_size,
        min_group_share=percent(evidence.min_group_share),
    )


def _rates_row(g: GroupRates) -> RatesRow:
    return RatesRow(
        group=g.group,
        count=number(g.count),
        share=percent(g.share),
        selection_rate=percent(g.selection_rate),
        selection_interval=_interval_text(g.selection_rate_interval),
        tpr=percent(g.tpr),
        fpr=percent(g.fpr),
        precision=percent(g.precision),
        accuracy=percent(g.accuracy),
        small=not g.large_enough,
    )


def _errors_view(evidence: RegressionFairnessEvidence) -> FairnessView:
    groupings = []
    for name, groups in evidence.groups.items():
        ordered = sorted(groups, key=lambda g: -g.count)
        chart = bar_chart([(g.group, _statistic(g, evidence.statistic), None) for g in ordered])
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
    )


def _statistic(g: GroupErrors, statistic: str) -> float | None:
    return {"mean_prediction": g.mean_prediction, "mae": g.mae, "rmse": g.rmse}[statistic]


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
