"""The drift section: every tested column with its test, score, effect size and a small histogram.

The checks' evidence is read through the drift family's evidence models. The column table comes
from the first check whose evidence is a ``ColumnDriftEvidence`` (the share and the count of drifted
columns carry the same columns), whatever the policy calls it. A check whose evidence does not fit
(an error result, or a results file from elsewhere) is left out of this view; its row in the checks
table still shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govkit.families.drift.evidence import ColumnDrift, ColumnDriftEvidence, SchemaDifference
from govkit.report.charts import mini_histogram
from govkit.report.sections.common import first_evidence
from govkit.report.text import number
from govkit.results import CheckResult

TEMPLATE = "families/drift.html.j2"


@dataclass(frozen=True)
class ColumnRow:
    """One tested column as the table shows it."""

    column: str
    type: str
    method: str
    score: str
    threshold: str
    effect_size: str
    drifted: bool
    chart: dict[str, Any]


@dataclass(frozen=True)
class SchemaRow:
    """A requested column that was not compared, and why."""

    column: str
    problem: str


@dataclass(frozen=True)
class DriftView:
    """What the drift partial places: the column table (empty when no column check ran) and its note."""

    columns: list[ColumnRow] = field(default_factory=list)
    tested: int | None = None
    drifted: int | None = None
    schema_differences: list[SchemaRow] = field(default_factory=list)
    note: str = ""


def build(checks: list[CheckResult]) -> DriftView:
    evidence = first_evidence(checks, ColumnDriftEvidence)
    if evidence is None:
        return DriftView()
    return DriftView(
        columns=[_row(column) for column in evidence.columns],
        tested=evidence.tested,
        drifted=evidence.drifted,
        schema_differences=[_schema_row(difference) for difference in evidence.schema_differences],
        note=evidence.method_note,
    )


def _row(column: ColumnDrift) -> ColumnRow:
    adjusted = "" if column.p_value_adjusted is None else f" (adjusted {number(column.p_value_adjusted)})"
    return ColumnRow(
        column=column.column,
        type=column.type,
        method=column.method,
        score=number(column.score) + adjusted,
        threshold=number(column.threshold),
        effect_size=number(column.effect_size),
        drifted=column.drifted,
        chart=mini_histogram(column.histogram.reference, column.histogram.current),
    )


def _schema_row(difference: SchemaDifference) -> SchemaRow:
    return SchemaRow(column=difference.column, problem=difference.problem)
