"""The performance section: the confusion matrix, each class's scores, and the plots a reviewer expects.

The checks' evidence is read through the performance family's evidence models. Every check on the
predicted labels records the confusion matrix (and, for a multiclass model, each class's scores);
ROC AUC records the ROC curves, average precision the precision-recall curves, the Brier score the
reliability curves overall and by group, and the mean residual the residuals' distribution. Each
part is shown when some check recorded it; a check whose evidence does not fit (an error result, or a
results file from elsewhere) is left out of this view; its row in the checks table still shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from govkit.families.performance.evidence import (
    Calibration,
    CalibrationCurve,
    ConfusionMatrix,
    Curve,
    DecisionEvidence,
    ResidualEvidence,
    ScoreEvidence,
)
from govkit.report.curves import Series, histogram_plot, line_plot, scatter_plot
from govkit.report.sections.common import first_evidence, read_evidence
from govkit.report.text import number, percent
from govkit.results import CheckResult

TEMPLATE = "families/performance.html.j2"
MAX_SERIES = 12  # lines in one plot; more would not be tellable apart
DIAGONAL = ((0.0, 0.0), (1.0, 1.0))
GROUP_BIN_ROWS = 10  # a group's reliability bin on fewer rows is noise; results.json keeps it


@dataclass(frozen=True)
class ConfusionRow:
    """One true label: its counts by predicted label."""

    label: str
    cells: list[str]


@dataclass(frozen=True)
class ConfusionView:
    labels: list[str]
    rows: list[ConfusionRow]


@dataclass(frozen=True)
class ClassRow:
    label: str
    precision: str
    recall: str
    f1: str
    support: str


@dataclass(frozen=True)
class PlotView:
    """One plot: ``kind`` names the macro that draws ``plot`` (line, scatter or histogram)."""

    kind: str
    title: str
    caption: str
    plot: dict[str, Any]


@dataclass(frozen=True)
class PerformanceView:
    """What the performance partial places; every part is empty when no check recorded it."""

    confusion: ConfusionView | None = None
    per_class: list[ClassRow] = field(default_factory=list)
    plots: list[PlotView] = field(default_factory=list)
    residual_quantiles: list[tuple[str, str]] = field(default_factory=list)


def build(checks: list[CheckResult]) -> PerformanceView:
    decision = _first_confusion(checks)
    scored = [e for e in (read_evidence(c, ScoreEvidence) for c in checks) if e is not None]
    residual = first_evidence(checks, ResidualEvidence)
    plots = _curve_plots(scored) + _calibration_plots(scored)
    if residual is not None:
        plots += _residual_plots(residual)
    return PerformanceView(
        confusion=None
        if decision is None or decision.confusion_matrix is None
        else _confusion(decision.confusion_matrix),
        per_class=[
            ClassRow(s.label, number(s.precision), number(s.recall), number(s.f1), number(s.support))
            for s in (decision.per_class or [] if decision is not None else [])
        ],
        plots=plots,
        residual_quantiles=[]
        if residual is None
        else [(_share(q.share), number(q.value)) for q in residual.quantiles]
        + [("mean", number(residual.mean)), ("standard deviation", number(residual.standard_deviation))],
    )


def _share(share: float) -> str:
    """A quantile's name: min, median and max by name, the others as percentiles."""
    return {0.0: "min", 0.5: "median", 1.0: "max"}.get(share) or percent(share, 0)


def _confusion(matrix: ConfusionMatrix) -> ConfusionView:
    return ConfusionView(
        labels=list(matrix.labels),
        rows=[
            ConfusionRow(label=label, cells=[number(v) for v in row])
            for label, row in zip(matrix.labels, matrix.matrix, strict=True)
        ],
    )


def _first_confusion(checks: list[CheckResult]) -> DecisionEvidence | None:
    """The evidence of the first check on the predicted labels that recorded a confusion matrix."""
    for check in checks:
        evidence = read_evidence(check, DecisionEvidence)
        if evidence is not None and evidence.confusion_matrix is not None:
            return evidence
    return None


def _curve_series(curves: Sequence[Curve], area_name: str) -> list[Series]:
    return [
        Series(
            label=f"{c.positive} ({area_name} {number(c.area)})",
            x=c.x,
            y=c.y,
            note=f"{number(c.rows)} rows of this class; {len(c.x)} of the curve's {number(c.points)} points drawn",
        )
        for c in curves[:MAX_SERIES]
    ]


def _left_out(curves: Sequence[Curve]) -> str:
    extra = len(curves) - MAX_SERIES
    return f" The first {MAX_SERIES} classes are drawn; {extra} more are in results.json." if extra > 0 else ""


def _curve_plots(scored: list[ScoreEvidence]) -> list[PlotView]:
    """The ROC and precision-recall plots, from the first checks that recorded each."""
    plots: list[PlotView] = []
    roc = next((e.roc_curves for e in scored if e.roc_curves), None)
    if roc:
        per_class = " One curve per class against the rest." if len(roc) > 1 else ""
        plots.append(
            PlotView(
                kind="line",
                title="ROC curve",
                caption="True positive rate against false positive rate as the decision threshold falls; the dashed "
                f"diagonal is a model that ranks at random.{per_class}{_left_out(roc)}",
                plot=line_plot(
                    _curve_series(roc, "AUC"),
                    x_label="false positive rate",
                    y_label="true positive rate",
                    reference=DIAGONAL,
                ),
            )
        )
    pr = next((e.pr_curves for e in scored if e.pr_curves), None)
    if pr:
        # a single curve's last point (every row predicted positive) has the positive share as precision
        baseline = ((0.0, pr[0].y[-1]), (1.0, pr[0].y[-1])) if len(pr) == 1 and pr[0].y else ()
        plots.append(
            PlotView(
                kind="line",
                title="Precision-recall curve",
                caption="Precision against recall as the decision threshold falls"
                + (
                    "; the dashed line is the share of positive rows (a model that ranks at random)."
                    if baseline
                    else "."
                )
                + (" One curve per class against the rest." if len(pr) > 1 else "")
                + _left_out(pr),
                plot=line_plot(_curve_series(pr, "AP"), x_label="recall", y_label="precision", reference=baseline),
            )
        )
    return plots


def _reliability(curve: CalibrationCurve, label: str, least: int = 1) -> Series:
    """A reliability curve through the bins with at least ``least`` rows."""
    bins = [b for b in curve.bins if b.rows >= least]
    return Series(
        label=label,
        x=[b.mean_score for b in bins],
        y=[b.observed_rate for b in bins],
        note=f"{number(curve.rows)} rows",
        markers=True,
        sizes=[b.rows for b in bins],
    )


def _calibration_plots(scored: list[ScoreEvidence]) -> list[PlotView]:
    """The reliability plots: all rows, then one plot per sensitive column with a line per group."""
    calibration: Calibration | None = next((e.calibration for e in scored if e.calibration), None)
    if calibration is None:
        return []
    common = (
        f"Observed share of {calibration.positive} against the mean score, in {calibration.bin_count} equal-width "
        "score bins (empty bins left out); the dashed diagonal is perfect calibration."
    )
    plots = [
        PlotView(
            kind="line",
            title="Calibration (all rows)",
            caption=common,
            plot=line_plot(
                [_reliability(calibration.overall, "all rows")],
                x_label="mean score",
                y_label="observed share",
                reference=DIAGONAL,
            ),
        )
    ]
    columns = dict.fromkeys(c.column for c in calibration.groups if c.column is not None)
    for column in columns:
        groups = [c for c in calibration.groups if c.column == column][:MAX_SERIES]
        left_out = (
            f" {calibration.groups_left_out} small groups (under 30 rows) or groups past the largest "
            f"{MAX_SERIES} have no curve."
            if calibration.groups_left_out
            else ""
        )
        plots.append(
            PlotView(
                kind="line",
                title=f"Calibration by {column}",
                caption=common + f" A group's bins with fewer than {GROUP_BIN_ROWS} rows are not drawn." + left_out,
                plot=line_plot(
                    [_reliability(c, f"{c.group} ({number(c.rows)})", GROUP_BIN_ROWS) for c in groups],
                    x_label="mean score",
                    y_label="observed share",
                    reference=DIAGONAL,
                ),
            )
        )
    return plots


def _residual_plots(residual: ResidualEvidence) -> list[PlotView]:
    """Residual against prediction (a bounded sample) and the residuals' histogram."""
    scatter = residual.scatter
    sampled = (
        f" {number(len(scatter.prediction))} of {number(scatter.sampled_from)} rows, a seeded random sample."
        if len(scatter.prediction) < scatter.sampled_from
        else ""
    )
    histogram = residual.histogram
    tails = (
        f" {number(histogram.below)} rows below and {number(histogram.above)} above the 1st–99th percentile range "
        "are not drawn."
        if histogram.below or histogram.above
        else ""
    )
    return [
        PlotView(
            kind="scatter",
            title="Residuals against predictions",
            caption="Each dot is a row: target minus prediction (above the line, the model predicted too low)."
            + sampled,
            plot=scatter_plot(scatter.prediction, scatter.residual, x_label="prediction", y_label="residual"),
        ),
        PlotView(
            kind="histogram",
            title="Residual distribution",
            caption="Rows by residual (target minus prediction); the dashed line is zero." + tails,
            plot=histogram_plot(histogram.edges, histogram.counts, x_label="residual"),
        ),
    ]
