"""The quality family's parameters: how strictly the learned suite holds the current data to the reference.

One model is shared by all three checks, so they share one validation too (the memo key is the params).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class QualityParams(BaseModel):
    """How strictly the learned suite holds the current data to the reference (shared by all checks)."""

    model_config = ConfigDict(extra="forbid")

    range_tolerance: float = Field(
        0.1,
        ge=0,
        description="Widen each numeric column's reference [min, max] by this fraction of its width on "
        "both sides before checking the current values (0.1 = 10%).",
    )
    range_mostly: float = Field(
        0.99,
        ge=0,
        le=1,
        description="Share of a numeric column's present values that must lie inside the widened range.",
    )
    null_tolerance: float = Field(
        0.05,
        ge=0,
        le=1,
        description="How much lower than in the reference a column's share of present values may be "
        "(reference 0.98 and tolerance 0.05: at least 0.93 of the current values must be present).",
    )
    domain_mostly: float = Field(
        0.99,
        ge=0,
        le=1,
        description="Share of a categorical column's present values that must be values seen in the reference.",
    )
    max_domain_size: int = Field(
        50,
        ge=0,
        description="A non-numeric column is treated as categorical (its set of values is learned) only "
        "when the reference has at most this many distinct values in it.",
    )
    row_count_band: tuple[float, float] | None = Field(
        (0.1, 10.0),
        description="The current row count must lie between these multiples of the reference row count "
        "(at least one row); null turns the row-count expectation off.",
    )
    unique_min_rows: int | None = Field(
        50,
        ge=1,
        description="An integer or text column whose reference values are all present and all distinct is "
        "taken for an identifier, and must stay unique, only when the reference has at least this many "
        "rows (in fewer rows, all-distinct values happen by chance); null turns uniqueness off.",
    )
    suites: list[str] = Field(
        default_factory=list,
        description="Paths of great-expectations suite JSON files whose expectations are checked on the "
        "current data too, in the same validation (relative paths are read from the working directory, "
        "then from govkit's bundled checks/ folder).",
    )

    @model_validator(mode="after")
    def _band_is_ordered(self) -> QualityParams:
        if self.row_count_band is not None:
            low, high = self.row_count_band
            if low < 0 or high < low:
                raise ValueError("row_count_band needs 0 <= low <= high, e.g. [0.1, 10]")
        return self
