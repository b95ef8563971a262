"""The evidence of each drift check: the typed shape of its ``Measurement.details``.

The family writes plain dicts; the runner validates them against these models, and the report's
drift section reads them through these models. Every model forbids unknown keys (``Evidence``), so
a renamed key fails the family's own tests. Imports only pydantic, the standard library and
``govkit.registry``, so the report may import it without importing the family.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from govkit.registry import Evidence

ColumnKind = Literal["numerical", "categorical"]
# "score" is for a method govkit's table does not know (see params.METHODS)
ScoreKind = Literal["p_value", "distance", "score"]
EffectSizeKind = Literal["wasserstein_distance / reference std", "jensen-shannon distance (base 2)"]


class SchemaDifference(Evidence):
    """A column that could not be compared: missing on one side, changed type, or without values."""

    column: str
    problem: str


class FrameShares(Evidence):
    """One share per frame, e.g. of missing values."""

    reference: float
    current: float


class BinsHistogram(Evidence):
    """Shares of the non-missing values of a numerical column in bins common to both frames."""

    kind: Literal["bins"]
    edges: list[float]
    reference: list[float]
    current: list[float]


class CategoryHistogram(Evidence):
    """Shares of the most common categories (over both frames), and of all the others together."""

    kind: Literal["categories"]
    categories: list[str]
    reference: list[float]
    current: list[float]
    other: FrameShares = Field(description="Share of the categories not shown, per frame.")


Histogram = Annotated[BinsHistogram | CategoryHistogram, Field(discriminator="kind")]


class DriftTest(Evidence):
    """Evidently's test of one column or series, with the effect size and distribution next to it."""

    column: str
    type: ColumnKind
    method: str = Field(description="Evidently's registered method name, e.g. 'wasserstein'.")
    score: float | None = Field(description="Evidently's score; None when it is not a finite number.")
    score_kind: ScoreKind
    threshold: float | None
    drifted: bool
    effect_size: float | None
    effect_size_kind: EffectSizeKind
    null_share: FrameShares = Field(description="Share of missing values in each frame.")
    histogram: Histogram


class ColumnDrift(DriftTest):
    """One feature column; p-value decisions may be corrected for multiple testing and gated."""

    drifted_by_test: bool | None = Field(
        default=None, description="Evidently's own decision, before correction and gating (p-value tests only)."
    )
    p_value_adjusted: float | None = Field(default=None, description="Benjamini-Hochberg adjusted p-value.")
    effect_gate: bool | None = Field(
        default=None, description="True when a drift found by the test was dropped for a too small effect size."
    )


class ColumnDriftEvidence(Evidence):
    """``drift.drifted_columns_share`` and ``drift.drifted_columns_count``: every tested column."""

    columns: list[ColumnDrift] = Field(description="Sorted by effect size, largest first.")
    tested: int
    drifted: int
    drifted_columns: list[str]
    schema_differences: list[SchemaDifference] = Field(description="The requested columns that were not tested.")
    method_note: str
    column_selection: str
    reference_rows: int
    current_rows: int


class SeriesDriftEvidence(Evidence):
    """``drift.prediction_drift`` and ``drift.target_drift``: one series, or why it was not compared.

    Either ``problem`` is set, or every field of the test (as in ``DriftTest``) and ``evidently``.
    """

    column: str
    reference_rows: int
    current_rows: int
    problem: str | None = None
    type: ColumnKind | None = None
    method: str | None = None
    score: float | None = None
    score_kind: ScoreKind | None = None
    threshold: float | None = None
    drifted: bool | None = None
    effect_size: float | None = None
    effect_size_kind: EffectSizeKind | None = None
    null_share: FrameShares | None = None
    histogram: Histogram | None = None
    evidently: str | None = Field(default=None, description="Evidently's version and metric.")

    @model_validator(mode="after")
    def _compared_or_why_not(self) -> SeriesDriftEvidence:
        # score, threshold and effect_size may be None (not finite) even when compared; these may not
        measured = (
            "type",
            "method",
            "score_kind",
            "drifted",
            "effect_size_kind",
            "null_share",
            "histogram",
            "evidently",
        )
        present = [name for name in measured if getattr(self, name) is not None]
        if self.problem is None and len(present) < len(measured):
            missing = ", ".join(name for name in measured if name not in present)
            raise ValueError(f"a compared series needs {missing}")
        if self.problem is not None and present:
            raise ValueError(f"a series that was not compared has no {', '.join(present)}")
        return self


class SchemaEvidence(Evidence):
    """``drift.schema_differences``: every column missing from one frame, or whose kind changed."""

    schema_differences: list[SchemaDifference]
