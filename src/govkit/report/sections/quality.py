"""The data-quality section: how many expectations held, and a table of those that failed.

The checks' evidence is read through the quality family's evidence models, so the section knows the
fields by name and type instead of by string keys. Both expectation checks carry the counts and the
failed expectations; the section takes them from ``failed_expectations`` when the policy has it, else
from ``expectation_success_share``. A check whose evidence does not fit its model (an error result, or a
results file from elsewhere) is left out of this view; its row in the checks table still shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govkit.families.quality.evidence import (
    ExpectationRecord,
    ExpectationSuccessShareEvidence,
    FailedExpectationsEvidence,
    NotLearned,
)
from govkit.report.sections.common import first_evidence
from govkit.report.text import number
from govkit.results import CheckResult

TEMPLATE = "families/quality.html.j2"


# The table shows this many of an expectation's unexpected values (the family keeps up to five).
EXAMPLES_SHOWN = 5


@dataclass(frozen=True)
class FailedRow:
    """One failed expectation as the table shows it."""

    expectation: str
    column: str
    observed: str
    unexpected: str
    examples: str


@dataclass(frozen=True)
class QualityView:
    """What the quality partial places: the counts (None when no check measured them) and the failures."""

    evaluated: int | None = None
    passed: int | None = None
    failed: list[FailedRow] = field(default_factory=list)
    not_learned: list[str] = field(default_factory=list)  # what the reference could not support, and why


def build(checks: list[CheckResult]) -> QualityView:
    full = first_evidence(checks, FailedExpectationsEvidence)
    if full is not None:
        return _view(full.evaluated, full.passed, full.failures, full.not_learned)
    share = first_evidence(checks, ExpectationSuccessShareEvidence)
    if share is not None:
        return _view(share.evaluated, share.passed, share.failures, [])
    return QualityView()


def _view(evaluated: int, passed: int, failures: list[ExpectationRecord], missing: list[NotLearned]) -> QualityView:
    return QualityView(
        evaluated=evaluated,
        passed=passed,
        failed=[_row(record) for record in failures],
        not_learned=[f"{m.column + ': ' if m.column else ''}{m.expectation}, {m.reason}" for m in missing],
    )


def _row(record: ExpectationRecord) -> FailedRow:
    return FailedRow(
        expectation=record.expectation_type,
        column="—" if record.column is None else record.column,
        observed=record.observed,
        unexpected=number(record.unexpected_count),
        examples=", ".join(record.unexpected_examples[:EXAMPLES_SHOWN]),
    )
