"""The performance section: the confusion matrix.

The checks' evidence is read through the performance family's evidence models. Every check on the
predicted labels (accuracy, balanced accuracy, F1, precision, recall) records the confusion matrix,
so the section shows it whenever any of them ran; checks on scores or regression errors have none.
A check whose evidence does not fit (an error result, or a results file from elsewhere) is left out
of this view; its row in the checks table still shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from govkit.families.performance.evidence import ConfusionMatrix, DecisionEvidence
from govkit.report.sections.common import read_evidence
from govkit.report.text import number
from govkit.results import CheckResult

TEMPLATE = "families/performance.html.j2"


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
class PerformanceView:
    """What the performance partial places: the confusion matrix, or None when no check recorded one."""

    confusion: ConfusionView | None = None


def build(checks: list[CheckResult]) -> PerformanceView:
    matrix = _first_confusion(checks)
    if matrix is None:
        return PerformanceView()
    return PerformanceView(
        confusion=ConfusionView(
            labels=list(matrix.labels),
            rows=[
                ConfusionRow(label=label, cells=[number(v) for v in row])
                for label, row in zip(matrix.labels, matrix.matrix, strict=True)
            ],
        )
    )


def _first_confusion(checks: list[CheckResult]) -> ConfusionMatrix | None:
    """The confusion matrix of the first check on the predicted labels that recorded one."""
    for check in checks:
        evidence = read_evidence(check, DecisionEvidence)
        if evidence is not None and evidence.confusion_matrix is not None:
            return evidence.confusion_matrix
    return None
