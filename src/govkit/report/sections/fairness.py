"""The fairness section: each grouping's groups, as a chart with intervals and a table, and every comparison
with a reference group.

The checks' evidence is read through the fairness family's evidence models. All fairness checks of
one kind carry the same group tables, so the section takes them from the first check whose evidence
holds them: for a classifier, the selection rate by group (chart, with Wilson intervals), the
group rates and each group's confusion matrix (a multiclass model's classes, or a binary model's four
counts), and for a multiclass check taken one-vs-rest, every class's value; for a regression model,
the compared statistic by group (chart, with its interval), the MAE by group, the group errors and
each statistic's gap with its bootstrap interval. A check compared with a reference group adds a
table of every group against it. A check whose evidence fits neither model (an error result, or a
results file from elsewhere) is left out of this view; its row in the checks table still shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from govkit.families.fairness.evidence import (
    AgainstReference,
    ComparisonBase,
    ConfusionByGroup,
    Gap,
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


STATISTIC_TITLES = {
    "mean_prediction": "Mean prediction",
    "mean_error": "Mean error (prediction − truth)",
    "mae": "Mean absolute error",
    "rmse": "RMSE",
}
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
    labelled: str
    mean_prediction: str
    mean_error: str
    mae: str
    rmse: str
    small: bool


@dataclass(frozen=True)
class GapRow:
    """One statistic's gap between two groups of a grouping, with its bootstrap interval."""

    statistic: str
    groups: str  # "B − A": which group's value minus which
    value: str
    interval: str


@dataclass(frozen=True)
class MatrixTable:
    """One group's confusion matrix: a row per true class, a column per predicted class."""

    group: str
    rows: list[tuple[str, list[str]]]  # (true class, counts per predicted class)
    unlabelled: list[str] | None  # predictions on rows without a known target, when there are any
    small: bool


@dataclass(frozen=True)
class GroupingView:
    """One grouping (e.g. "sex × race"): its chart, its rows, and the groups too small to judge."""

    name: str
    chart: dict[str, Any]
    rows: list[RatesRow] | list[ErrorsRow]
    small_groups: list[str]
    gaps: list[GapRow] = field(default_factory=list)  # errors: the gap in every statistic
    error_chart: dict[str, Any] | None = None  # errors: MAE by group, when the charted statistic is not an error
    classes: list[str] = field(default_factory=list)  # the confusion matrices' class order
    matrices: list[MatrixTable] = field(default_factory=list)
    matrices_left_out: str | None = None  # why this grouping's matrices are not shown


@dataclass(frozen=True)
class ClassRow:
    """A multiclass check's value with one class as the favourable outcome (one-vs-rest)."""

    label: str
    value: str
    interval: str
    where: str  # the deciding grouping and groups
    worst: bool
    note: str  # why the class has no value, or is not conclusive


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
    outcome_note: str = ""  # decisions: what the favourable outcome is (a multiclass set, or the worst class)
    per_class: list[tuple[str, list[ClassRow]]] = field(default_factory=list)  # (check, its classes)
    bootstrap: str = ""  # errors: how the gaps' intervals were resampled


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
    return replace(view, references=_reference_tables(checks), per_class=_per_class_tables(checks))


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
        classes, matrices, left_out = _matrices(evidence, name, ordered)
        groupings.append(
            GroupingView(
                name=name,
                chart=chart,
                rows=[_rates_row(g) for g in ordered],
                small_groups=[g.group for g in ordered if not g.large_enough],
                classes=classes,
                matrices=matrices,
                matrices_left_out=left_out,
            )
        )
    few = any(g.too_few_for for groups in evidence.groups.values() for g in groups)
    return FairnessView(
        kind="decisions",
        groupings=groupings,
        positive_label=evidence.positive_label,
        outcome_note=_outcome_note(evidence),
        min_group_size=evidence.min_group_size,
        min_group_share=percent(evidence.min_group_share),
        confidence=level(evidence.confidence),
        min_rate_denominator=evidence.min_rate_denominator if few else None,
    )


def _outcome_note(evidence: GroupFairnessEvidence) -> str:
    """What "favourable" means in the group tables, for a multiclass model."""
    if evidence.favourable is not None:
        return "a multiclass model: a row counts as given the favourable outcome when its label is any of " + (
            ", ".join(f"'{label}'" for label in evidence.favourable)
        )
    if evidence.worst_class is not None:
        return (
            f"a multiclass model without a favourable set: each class is compared one-vs-rest; the tables show "
            f"class '{evidence.worst_class}', the worst for the first fairness check"
        )
    return ""


def _matrices(
    evidence: GroupFairnessEvidence, grouping: str, ordered: list[GroupRates]
) -> tuple[list[str], list[MatrixTable], str | None]:
    """Each group's confusion matrix: a multiclass model's from its evidence, a binary model's from its counts."""
    small = {g.group for g in ordered if not g.large_enough}
    confusion: ConfusionByGroup | None = evidence.confusion
    if confusion is None:
        positive = evidence.positive_label
        classes = [f"not {positive}", positive]
        tables = [
            MatrixTable(
                group=g.group,
                rows=[(classes[0], [number(g.tn), number(g.fp)]), (classes[1], [number(g.fn), number(g.tp)])],
                unlabelled=None,
                small=g.group in small,
            )
            for g in ordered
        ]
        return classes, tables, None
    if grouping not in confusion.groupings:
        reasons = [r for r in confusion.left_out if r.startswith(f"by {grouping}:")] or confusion.left_out
        return confusion.classes, [], "Confusion matrices not shown: " + "; ".join(reasons) + "."
    by_group = {m.group: m for m in confusion.groupings[grouping]}
    tables = []
    for g in ordered:
        found = by_group.get(g.group)
        if found is None:
            continue
        tables.append(
            MatrixTable(
                group=g.group,
                rows=[
                    (label, [number(n) for n in row])
                    for label, row in zip(confusion.classes, found.matrix, strict=True)
                ],
                unlabelled=[number(n) for n in found.unlabelled] if any(found.unlabelled) else None,
                small=g.group in small,
            )
        )
    return confusion.classes, tables, None


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
        # the group error chart: the charted statistic when it is an error, else the MAE beside it
        error_chart = None
        if evidence.statistic == "mean_prediction" and any(g.mae is not None for g in ordered):
            error_chart = bar_chart([(g.group, g.mae, g.mae_interval) for g in ordered])
        groupings.append(
            GroupingView(
                name=name,
                chart=chart,
                rows=[_errors_row(g) for g in ordered],
                small_groups=[g.group for g in ordered if not g.large_enough],
                gaps=[_gap_row(gap) for gap in (evidence.gaps or {}).get(name, [])],
                error_chart=error_chart,
            )
        )
    return FairnessView(
        kind="errors",
        groupings=groupings,
        statistic=STATISTIC_TITLES[evidence.statistic],
        min_group_size=evidence.min_group_size,
        confidence=level(evidence.confidence),
        bootstrap="" if evidence.bootstrap is None else evidence.bootstrap.method,
        statistic_intervals=any(
            _statistic_interval(g, evidence.statistic) is not None
            for groups in evidence.groups.values()
            for g in groups
        ),
    )


def _gap_row(gap: Gap) -> GapRow:
    return GapRow(
        statistic=STATISTIC_TITLES[gap.statistic],
        groups="—" if gap.group is None else f"{gap.group} − {gap.minus}",
        value=(gap.reason or "—") if gap.value is None else number(gap.value),
        interval="—" if gap.interval is None else f"{number(gap.interval[0])} – {number(gap.interval[1])}",
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
        labelled=number(g.labelled),
        mean_prediction=number(g.mean_prediction),
        mean_error=number(g.mean_error),
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


def _per_class_tables(checks: list[CheckResult]) -> list[tuple[str, list[ClassRow]]]:
    """Every multiclass check computed one-vs-rest: each class's value, the worst class marked."""
    tables = []
    for check in checks:
        evidence = read_evidence(check, GroupFairnessEvidence)
        if evidence is None or not evidence.per_class:
            continue
        rows = [
            ClassRow(
                label=c.label,
                value=number(c.value),
                interval="—" if c.interval is None else f"{number(c.interval[0])} – {number(c.interval[1])}",
                where="—"
                if c.deciding_grouping is None
                else f"by {c.deciding_grouping}: {c.low_group} and {c.high_group}",
                worst=c.label == evidence.worst_class,
                note=c.reason or "",
            )
            for c in evidence.per_class
        ]
        tables.append((check.title, rows))
    return tables
