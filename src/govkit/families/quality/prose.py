"""The quality family's plain language: why an expectation failed, and the one-sentence summaries."""

from __future__ import annotations

from typing import Any, Protocol

from govkit.families.quality.suite import (
    BETWEEN,
    COLUMNS_ORDER,
    COLUMNS_SET,
    IN_SET,
    NOT_NULL,
    ROW_COUNT,
    TYPE,
    UNIQUE,
    Planned,
)
from govkit.families.quality.values import count_or_none, short

_SUMMARY_REASONS = 3  # how many distinct failures the one-sentence summary names


# --- why one expectation failed -------------------------------------------------------------------


def reason_for(plan: Planned, outcome: dict[str, Any], observed: str, non_null_share: float | None) -> str:
    """Why one learned or user expectation failed, in words a non-engineer can follow."""
    count = count_or_none(outcome.get("unexpected_count"))
    rows = f" ({_rows(count)})" if count is not None else ""
    if plan.source.startswith("suite:"):
        subject = f"'{plan.column}'" if plan.column else "the table"
        suite = plan.source.removeprefix("suite:")
        return f"{subject} fails '{plain_type(plan.type)}' from suite {suite}{rows}"
    if plan.type in (COLUMNS_SET, COLUMNS_ORDER, ROW_COUNT):
        return _table_reason(plan, outcome, observed)
    return _column_reason(plan, outcome, observed, non_null_share, rows)


def _table_reason(plan: Planned, outcome: dict[str, Any], observed: str) -> str:
    """Why a learned table-level expectation (columns, their order, the row count) failed."""
    if plan.type == COLUMNS_SET:
        expected = set(plan.kwargs["column_set"])
        actual = {str(name) for name in outcome.get("observed_value") or []}
        parts = []
        if expected - actual:
            parts.append("lacks " + _names(expected - actual))
        if actual - expected:
            parts.append("has new " + _names(actual - expected))
        return "the current data " + " and ".join(parts or ["has different columns"])
    if plan.type == COLUMNS_ORDER:
        return "the columns are in a different order than in the reference"
    found = count_or_none(outcome.get("observed_value"))
    size = _rows(found) if found is not None else f"{observed} rows"
    return f"the current data has {size}, outside the expected {plan.kwargs['min_value']}–{plan.kwargs['max_value']}"


def _column_reason(
    plan: Planned, outcome: dict[str, Any], observed: str, non_null_share: float | None, rows: str
) -> str:
    """Why a learned column expectation failed; ``rows`` is the count of offending rows, ready to append."""
    column = plan.column
    examples = outcome.get("partial_unexpected_list") or []
    if plan.type == TYPE and "observed_value" not in outcome:
        return f"'{column}' has values of another type than in the reference{rows}"
    if plan.type == TYPE:
        return f"'{column}' holds {observed} values where the reference held {plan.notes.get('family')}"
    if plan.type == NOT_NULL:
        reference_missing = 1.0 - plan.notes.get("reference_share", 1.0)
        if observed == "all values missing":
            return f"'{column}' is empty in the current data"
        current_missing = 1.0 - (non_null_share or 0.0)
        return (
            f"'{column}' has more missing values than in the reference "
            f"({current_missing:.1%} missing, was {reference_missing:.1%})"
        )
    if plan.type == BETWEEN:
        numbers = [value for value in examples if isinstance(value, int | float)]
        low, high = plan.kwargs.get("min_value"), plan.kwargs.get("max_value")  # None: open on that side
        if numbers and high is not None and all(value > high for value in numbers):
            where = "above"
        elif numbers and low is not None and all(value < low for value in numbers):
            where = "below"
        else:
            where = "outside"
        return f"'{column}' has values {where} the range seen in the reference{rows}"
    if plan.type == IN_SET:
        example = f", e.g. '{short(examples[0], 40)}'" if examples else ""
        return f"'{column}' has values not seen in the reference{example}{rows}"
    if plan.type == UNIQUE:
        return f"'{column}' has repeated values, though every value was distinct in the reference{rows}"
    return f"{plain_type(plan.type)} failed on '{column}'"


# --- the summaries ------------------------------------------------------------------------------


class Tally(Protocol):
    """What the summaries read of a validation (``validation.Validation`` has it)."""

    @property
    def evaluated(self) -> int: ...

    @property
    def passed(self) -> int: ...

    @property
    def failed(self) -> int: ...

    @property
    def failures(self) -> list[dict[str, Any]]: ...


def failures_sentence(validation: Tally) -> str:
    """One plain sentence for the report: how many failed, and the first few reasons why."""
    if validation.evaluated == 0:
        return "No data expectation could be learned or loaded, so nothing was checked."
    if validation.failed == 0:
        return f"All {validation.evaluated} data expectations were met."
    failed = validation.failures
    column_sets = [record for record in failed if record["expectation_type"] == COLUMNS_SET]
    lacking = {name for record in column_sets for name in record.get("missing_columns", [])}
    reasons: list[str] = []
    for record in failed:
        if column_sets and record["expectation_type"] == COLUMNS_ORDER:
            continue  # implied by the changed column set
        if record["observed"] == "column missing" and record["column"] in lacking:
            continue  # the column-set failure already names the missing column
        if record["reason"] and record["reason"] not in reasons:
            reasons.append(record["reason"])
    shown = "; ".join(reasons[:_SUMMARY_REASONS])
    more = len(reasons) - _SUMMARY_REASONS
    tail = f"; and {more} more problem{'s' if more > 1 else ''}" if more > 0 else ""
    return f"{validation.failed} of {validation.evaluated} data expectations failed: {shown}{tail}."


def share_sentence(validation: Tally, share: float) -> str:
    return (
        f"{_percent(share)} of the {validation.evaluated} data expectations were met "
        f"({validation.passed} passed, {validation.failed} failed)."
    )


def completeness_sentence(shares: dict[str, float], worst: str) -> str:
    if shares[worst] >= 1.0:
        return f"Every value is present in all {len(shares)} columns of the current data."
    return (
        f"The least complete column is '{worst}': {_percent(shares[worst])} of its values are present "
        f"in the current data."
    )


# --- small formatting helpers -------------------------------------------------------------------


def plain_type(kind: str) -> str:
    """An expectation type as words: expect_column_values_to_be_unique -> column values to be unique."""
    return kind.removeprefix("expect_").replace("_", " ")


def _names(columns: set[str]) -> str:
    ordered = sorted(columns)
    label = "column" if len(ordered) == 1 else "columns"
    return f"{label} " + ", ".join(f"'{name}'" for name in ordered)


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _percent(share: float) -> str:
    # Never round a share below 1 up to "100%": that would read as complete.
    text = f"{share:.0%}"
    return f"{min(share, 0.999):.1%}" if text == "100%" and share < 1 else text
