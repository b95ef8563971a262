"""What each quality check records as evidence (``Measurement.details``), as pydantic models.

The runner validates every measurement's details against its check's model, and the report's quality
section reads the details through these models, so they are the contract between the family and the
page. Evidence is validated, never rewritten: results.json keeps exactly the dict the family produced.
Every model forbids unknown keys (from ``Evidence``), so a renamed key breaks the family's own tests.

This module imports only pydantic, the standard library and ``govkit.registry``: the report may import
it without importing the family.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from govkit.registry import Evidence


class ExpectationRecord(Evidence):
    """One expectation of the validated suite and how the current data fared against it."""

    expectation_type: str = Field(description="great-expectations' snake-case name of the expectation.")
    column: str | None = Field(description="The column it is about; None for table-level expectations.")
    success: bool = Field(description="True only when great-expectations ran it without error and it held.")
    observed: str = Field(description="What was found, shortened for reading (e.g. '3 of 120 values missing').")
    unexpected_count: int | None = Field(ge=0, description="Rows that broke it, when it counts rows.")
    unexpected_percent: float | None = Field(description="Those rows as a percentage, when it counts rows.")
    unexpected_examples: list[str] = Field(description="A few of the values that broke it, as text.")
    kwargs: dict[str, Any] = Field(description="Its arguments as submitted (JSON-safe: infinities as strings).")
    source: str = Field(
        pattern=r"^(reference|suite:.*)$",
        description="'reference' when learned from the reference data, 'suite:<path>' when from a user's suite.",
    )
    reason: str = Field(description="Why it failed, in plain words; empty when it held.")
    # Only on the column-set expectation, and only when it could be evaluated.
    missing_columns: list[str] | None = Field(None, description="Reference columns absent from the current data.")
    new_columns: list[str] | None = Field(None, description="Current columns the reference did not have.")


class NotLearned(Evidence):
    """An expectation the reference data could not support for one column (or the table: column ""), and why."""

    column: str
    expectation: str
    reason: str


class _ValidationCounts(Evidence):
    """The counts both expectation checks report about the one shared validation."""

    evaluated: int = Field(ge=0, description="Expectations checked: the learned ones plus the user suites'.")
    passed: int = Field(ge=0)
    failed: int = Field(ge=0)
    learned_from: Literal["reference"] | None = Field(description="Where the learned expectations came from.")
    suites: list[str] = Field(description="The user suites' paths, as the policy gave them.")

    @model_validator(mode="after")
    def _counts_add_up(self) -> _ValidationCounts:
        if self.passed + self.failed != self.evaluated:
            raise ValueError(f"passed ({self.passed}) + failed ({self.failed}) is not evaluated ({self.evaluated})")
        return self


class FailedExpectationsEvidence(_ValidationCounts):
    """Evidence of ``quality.failed_expectations``: every evaluated expectation, in submission order."""

    expectations: list[ExpectationRecord]
    not_learned: list[NotLearned] = Field(
        description="Expectations the reference could not support (a column's type; the row count on a sample)."
    )

    @model_validator(mode="after")
    def _records_match_counts(self) -> FailedExpectationsEvidence:
        if len(self.expectations) != self.evaluated:
            raise ValueError(f"{len(self.expectations)} expectations listed, {self.evaluated} evaluated")
        if sum(1 for record in self.expectations if not record.success) != self.failed:
            raise ValueError(f"the listed expectations do not include {self.failed} failures")
        return self

    @property
    def failures(self) -> list[ExpectationRecord]:
        return [record for record in self.expectations if not record.success]


class ExpectationSuccessShareEvidence(_ValidationCounts):
    """Evidence of ``quality.expectation_success_share``: the counts and only what pulled the share down."""

    failed_expectations: list[ExpectationRecord]

    @model_validator(mode="after")
    def _lists_the_failures(self) -> ExpectationSuccessShareEvidence:
        if len(self.failed_expectations) != self.failed or any(r.success for r in self.failed_expectations):
            raise ValueError(f"failed_expectations should list exactly the {self.failed} failed expectations")
        return self

    @property
    def failures(self) -> list[ExpectationRecord]:
        return list(self.failed_expectations)


class CompletenessEvidence(Evidence):
    """Evidence of ``quality.completeness``: the share of present values per current column."""

    columns: dict[str, float] = Field(min_length=1, description="Current column -> share of present values.")
    least_complete: str = Field(description="The column with the lowest share (ties: the first by name).")

    @model_validator(mode="after")
    def _least_complete_is_a_column(self) -> CompletenessEvidence:
        if self.least_complete not in self.columns:
            raise ValueError(f"least_complete {self.least_complete!r} is not one of the columns")
        if any(not 0.0 <= share <= 1.0 for share in self.columns.values()):
            raise ValueError("every share of present values lies between 0 and 1")
        return self
