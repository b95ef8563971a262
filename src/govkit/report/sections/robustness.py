"""The robustness section: the worst slices against the overall value, changed decisions by group, integrity facts.

The checks' evidence is read through the robustness family's evidence models, found by shape (a policy
may run any subset of the checks). Charts are built here as geometry (``report.charts``); the partial
only places them, and every label is plain text escaped by the template engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govkit.families.robustness.evidence import (
    ConflictEvidence,
    CounterfactualEvidence,
    DuplicateEvidence,
    GroupFlips,
    LeakageEvidence,
    PerturbationEvidence,
    SharedRowsEvidence,
    Slice,
    WeakSegmentEvidence,
)
from govkit.report.charts import bar_chart
from govkit.report.sections.common import first_evidence
from govkit.report.text import number, percent
from govkit.results import CheckResult

TEMPLATE = "families/robustness.html.j2"
LABEL_CHARS = 58  # a chart label longer than this is cut; the table beside it gives it whole
# ends of a share axis whose quarter ticks are whole percentages
NICE_ENDS = (0.04, 0.08, 0.2, 0.4, 0.6, 0.8, 1.0)
METRIC_TITLES = {"error_rate": "Error rate", "false_negative_rate": "False negative rate", "mae": "Mean absolute error"}


@dataclass(frozen=True)
class SliceRow:
    name: str
    rows: str
    share: str
    value: str
    interval: str
    ratio: str
    adjusted_p: str
    weak: bool


@dataclass(frozen=True)
class SegmentsView:
    metric: str  # as a column heading, e.g. "Error rate"
    metric_name: str  # in a sentence, e.g. "error rate"
    overall: str
    overall_interval: str
    finding: str  # a plain sentence: what the search found
    budget: str  # a plain sentence: what the search tried, within which budget
    chart: dict[str, Any]
    rows: list[SliceRow]
    confidence: str


@dataclass(frozen=True)
class FlipRow:
    group: str
    rows: str
    flipped: str
    share: str
    interval: str
    score_change: str


@dataclass(frozen=True)
class FlipsView:
    title: str
    legend: str
    chart: dict[str, Any]
    rows: list[FlipRow]


@dataclass(frozen=True)
class RobustnessView:
    """What the robustness partial places; a part is empty when its check did not run."""

    segments: SegmentsView | None = None
    perturbation: list[FlipsView] = field(default_factory=list)
    perturbation_note: str = ""
    counterfactual: list[FlipsView] = field(default_factory=list)
    counterfactual_note: str = ""
    integrity: list[tuple[str, str]] = field(default_factory=list)  # (fact, value)
    leakage: list[tuple[str, str, str]] = field(default_factory=list)  # (column, AUC, method)


def build(checks: list[CheckResult]) -> RobustnessView:
    perturbation = first_evidence(checks, PerturbationEvidence)
    counterfactual = first_evidence(checks, CounterfactualEvidence)
    leakage = first_evidence(checks, LeakageEvidence)
    return RobustnessView(
        segments=_segments(first_evidence(checks, WeakSegmentEvidence)),
        perturbation=_perturbation(perturbation) if perturbation else [],
        perturbation_note=_perturbation_note(perturbation) if perturbation else "",
        counterfactual=_counterfactual(counterfactual) if counterfactual else [],
        counterfactual_note=_counterfactual_note(counterfactual) if counterfactual else "",
        integrity=_integrity(checks),
        leakage=[(c.column, f"{c.auc:.3f}", c.method) for c in leakage.top] if leakage else [],
    )


def nice_maximum(values: list[float]) -> float:
    """The chart's upper end for shares: the first of a few round values above the data, so ticks read well."""
    top = max([*values, 1e-12])
    return next((end for end in NICE_ENDS if end >= top), 1.0)


def _slice_name(piece: Slice) -> str:
    return " × ".join(f"{c.column} = {c.value}" for c in piece.conditions)


def _cut(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _interval_text(interval: tuple[float, float], rate: bool) -> str:
    show = percent if rate else number
    return f"{show(interval[0])} – {show(interval[1])}"


def _segments(evidence: WeakSegmentEvidence | None) -> SegmentsView | None:
    if evidence is None:
        return None
    rate = evidence.metric != "mae"
    show = percent if rate else number
    chart = bar_chart(
        [(_cut(_slice_name(s)), s.value, s.interval) for s in evidence.slices],
        highlight=frozenset(_cut(_slice_name(s)) for s in evidence.slices if s.weak),
        marker=(evidence.overall, "overall"),
        maximum=nice_maximum([s.interval[1] for s in evidence.slices]) if rate else None,
        value_format="percent" if rate else "number",
        width=900,
        label_width=420,
    )
    tried = (
        f"{evidence.slices_tested:,} slices of one{' or two' if evidence.max_features == 2 else ''} feature(s) with at "
        f"least {evidence.min_size:,} rows were tested, within a budget of {evidence.budget:,}"
    )
    if evidence.budget_reached:
        tried += f"; the budget was reached and {evidence.column_pairs_skipped:,} column pair(s) were not searched"
    excluded = (
        f" Sensitive columns left out: {', '.join(evidence.excluded_sensitive)}." if evidence.excluded_sensitive else ""
    )
    weak = evidence.weak_count
    finding = (
        f"{weak:,} slice(s) are significantly worse than the rest (Holm-corrected, family-wise error "
        f"{evidence.alpha:g}) and at least {evidence.min_ratio:g} times the overall value."
        if weak
        else "No slice is significantly worse than the rest by the required margin."
    )
    return SegmentsView(
        metric=METRIC_TITLES[evidence.metric],
        metric_name=METRIC_TITLES[evidence.metric].lower(),
        overall=show(evidence.overall),
        overall_interval=_interval_text(evidence.overall_interval, rate),
        finding=finding,
        budget=f"{tried}. Test: {evidence.test}.{excluded}",
        chart=chart,
        rows=[
            SliceRow(
                name=_slice_name(s),
                rows=number(s.rows),
                share=percent(s.share),
                value=show(s.value),
                interval=_interval_text(s.interval, rate),
                ratio="—" if s.ratio is None else f"{s.ratio:.2f}×",
                adjusted_p=f"{s.adjusted_p_value:.2g}",
                weak=s.weak,
            )
            for s in evidence.slices
        ],
        confidence=f"{evidence.confidence * 100:g}%",
    )


def _flips_view(title: str, legend: str, overall: GroupFlips, groups: list[GroupFlips]) -> FlipsView:
    chart = bar_chart(
        [(g.group, g.share, g.interval) for g in groups],
        marker=(overall.share, "all rows"),
        maximum=nice_maximum([g.interval[1] for g in groups] + [overall.interval[1]]),
        value_format="percent",
    )
    return FlipsView(
        title=title,
        legend=legend,
        chart=chart,
        rows=[
            FlipRow(
                group=g.group,
                rows=number(g.rows),
                flipped=number(g.flipped),
                share=percent(g.share, 2),
                interval=_interval_text(g.interval, True),
                score_change="—" if g.mean_score_change is None else f"{g.mean_score_change:.4f}",
            )
            for g in [overall, *groups]
        ],
    )


def _perturbation(evidence: PerturbationEvidence) -> list[FlipsView]:
    columns = list(dict.fromkeys(g.column for g in evidence.groups if g.column is not None))
    if not columns:
        return [_flips_view("Decisions changed by a meaningless change", "", evidence.overall, [])]
    return [
        _flips_view(
            f"Decisions changed by a meaningless change, by {column}",
            "Share of decisions that changed, with its Wilson interval; the dashed line is all rows.",
            evidence.overall,
            [g for g in evidence.groups if g.column == column],
        )
        for column in columns
    ]


def _perturbation_note(evidence: PerturbationEvidence) -> str:
    numeric = ", ".join(evidence.numeric_columns) or "none"
    categorical = ", ".join(evidence.categorical_columns) or "none"
    still = (
        f" Not moved, having no spread in the reference: {', '.join(evidence.numeric_not_moved)}."
        if evidence.numeric_not_moved
        else ""
    )
    return (
        f"{evidence.rows:,} of {evidence.population:,} rows were changed. Numeric inputs moved by at most "
        f"{percent(evidence.numeric_scale, 0)} of their interquartile range ({numeric}); "
        f"{evidence.categorical_values_changed:,} rare categorical value(s) became the nearest frequent value "
        f"({categorical}).{still} Sensitive columns are never changed here."
    )


def _counterfactual(evidence: CounterfactualEvidence) -> list[FlipsView]:
    return [
        _flips_view(
            f"Decisions changed by {a.column} alone{' (flagged proxy)' if a.proxy else ''}",
            f"Rows given each other value of {a.column} ({', '.join(a.values)}); a row counts when any other value "
            "changes its decision. By the row's own value, with Wilson intervals."
            + (
                f" The other value that changes most: {a.worst_value} ({percent(a.worst_value_share, 2)})."
                if a.worst_value
                else ""
            ),
            a.overall,
            a.groups,
        )
        for a in evidence.attributes
    ]


def _counterfactual_note(evidence: CounterfactualEvidence) -> str:
    if evidence.not_inputs and not evidence.attributes:
        return (
            f"Not measured: {', '.join(evidence.not_inputs)} is not an input of the model, so there is nothing "
            "to flip. This is not evidence that the model ignores it: a proxy may carry it."
        )
    if evidence.not_inputs:
        return f"Not model inputs, so not flipped: {', '.join(evidence.not_inputs)}."
    return ""


def _integrity(checks: list[CheckResult]) -> list[tuple[str, str]]:
    facts: list[tuple[str, str]] = []
    duplicates = first_evidence(checks, DuplicateEvidence)
    if duplicates is not None:
        facts.append(("Rows repeating an earlier row", f"{duplicates.duplicates:,} of {duplicates.rows:,}"))
    shared = first_evidence(checks, SharedRowsEvidence)
    if shared is not None:
        facts.append(("Current rows also in the reference data", f"{shared.shared:,} of {shared.rows:,}"))
    conflicts = first_evidence(checks, ConflictEvidence)
    if conflicts is not None:
        facts.append(
            (
                "Labelled rows whose identical inputs have another target",
                f"{conflicts.conflicting_rows:,} of {conflicts.rows:,} ({conflicts.conflicting_groups:,} groups)",
            )
        )
    return facts
