"""The one validation every quality check reads: plan the suite, run it once, keep what the checks report.

``validate_all`` is the family's unit of work, memoised in the audit context under the params, so the
three checks share one suite and one great-expectations run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.families.quality.gx import record, run_suite
from govkit.families.quality.suite import plan_suite

if TYPE_CHECKING:
    import pandas as pd

    from govkit.context import AuditContext
    from govkit.families.quality.params import QualityParams


@dataclass
class Validation:
    """The one shared validation, reduced to what the three checks report."""

    records: list[dict[str, Any]]  # counted expectations, in submission order (ExpectationRecord's shape)
    completeness: dict[str, float | None]  # current column -> share of present values (None: GE failed)
    not_learned: list[dict[str, str]]
    suites: list[str]
    rows: int

    @property
    def evaluated(self) -> int:
        return len(self.records)

    @property
    def passed(self) -> int:
        return sum(1 for record in self.records if record["success"])

    @property
    def failed(self) -> int:
        return self.evaluated - self.passed

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [record for record in self.records if not record["success"]]


def validate_all(ctx: AuditContext, params: QualityParams) -> Validation:
    """Learn, load and validate the whole suite once."""
    current = _named_by_strings(ctx.current)
    reference = None if ctx.reference is None else _named_by_strings(ctx.reference)
    sampled = any(entry.get("family") == "engine" for entry in ctx.sampling)  # set before any worker forks
    planned, not_learned = plan_suite(current, reference, params, sampled)
    results = run_suite(current, planned)

    present = set(map(str, current.columns))
    records: list[dict[str, Any]] = []
    completeness: dict[str, float | None] = {}
    for plan, result in zip(planned, results, strict=True):
        outcome, non_null_share = record(plan, result, present, len(current))
        column = plan.column
        if plan.completeness and column is not None and column in present:
            completeness[column] = non_null_share
        if plan.source != "measure":
            records.append(outcome)
    return Validation(
        records=records,
        completeness=completeness,
        not_learned=not_learned,
        suites=list(params.suites),
        rows=len(current),
    )


def _named_by_strings(frame: pd.DataFrame) -> pd.DataFrame:
    # great-expectations addresses columns by name strings.
    if all(isinstance(column, str) for column in frame.columns):
        return frame
    return frame.rename(columns=str)
