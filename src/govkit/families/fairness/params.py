"""The fairness checks' parameters, and what they mean for one audit: the groupings, the gates, the reference.

Every fairness check compares groups of rows; which groupings (each sensitive column on its own,
their intersection), how much data a group needs before it may decide a check (rows, and the
denominator of each rate), whether groups are compared with each other or with a reference group,
and the confidence level of every interval are set here, once for classification and regression alike.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    from govkit.context import AuditContext


class FairnessParams(BaseModel):
    """Which groups to compare, with what, and how much data a group needs before it can decide a check."""

    model_config = ConfigDict(extra="forbid")

    sensitive: list[str] | None = Field(
        default=None, description="Sensitive columns to use (default: all given to the audit)."
    )
    groupings: Literal["each", "intersectional", "both"] = Field(
        default="both",
        description="Compare groups of each sensitive column on its own, their intersections, or both.",
    )
    min_group_size: int = Field(default=30, ge=1, description="Fewest rows a group needs to decide a check.")
    min_group_share: float = Field(
        default=0.01, ge=0, le=1, description="Smallest share of all rows a group needs to decide a check."
    )
    min_rate_denominator: int = Field(
        default=30,
        ge=1,
        description="Fewest rows in a rate's own denominator a group needs for that rate to decide a check "
        "(actual positives for the true positive rate, actual negatives for the false positive rate, "
        "predicted positives for precision, labelled rows for accuracy and errors).",
    )
    reference_group: str | None = Field(
        default=None,
        description="Compare every group with this one (AIF360's privileged group), e.g. 'Male' or "
        "'Female / Black'; groupings without it are not compared (default: every group with every other).",
    )
    privileged: dict[str, list[str]] | None = Field(
        default=None,
        description="The privileged values of each sensitive column, e.g. {race: [Caucasian]}: in every grouping "
        "whose columns are all listed, the rows with privileged values are the reference group.",
    )
    intervals: bool = Field(default=True, description="Give a confidence interval for the check's value.")
    confidence: float = Field(default=0.95, gt=0, lt=1, description="Confidence level of every interval.")

    @field_validator("privileged", mode="before")
    @classmethod
    def _values_as_text(cls, value: object) -> object:
        # groups are named by their values as text, so {race: 1} and {race: [1, "2"]} read as ["1"] and ["1", "2"]
        if not isinstance(value, dict):
            return value
        return {
            column: [str(v) for v in values] if isinstance(values, list) else [str(values)]
            for column, values in value.items()
        }

    @model_validator(mode="after")
    def _one_kind_of_reference(self) -> FairnessParams:
        if self.reference_group is not None and self.privileged is not None:
            raise ValueError("give reference_group or privileged, not both")
        if self.privileged is not None:
            if not self.privileged:
                raise ValueError("privileged needs at least one sensitive column")
            empty = [column for column, values in self.privileged.items() if not values]
            if empty:
                raise ValueError(f"privileged lists no value for {', '.join(empty)}")
        return self

    @property
    def compares_with_reference(self) -> bool:
        return self.reference_group is not None or self.privileged is not None


# The disparate impact ratio used to be the only check with a reference group; every check has one now.
ReferenceGroupParams = FairnessParams


def minimum_rows(params: FairnessParams, total: float) -> int:
    """The fewest rows a group of a grouping with ``total`` rows needs to decide a check."""
    return max(params.min_group_size, math.ceil(params.min_group_share * total))


def groupings(ctx: AuditContext, params: FairnessParams) -> list[tuple[str, ...]]:
    """The groupings to compare: each sensitive column, their intersection, or both."""
    columns = params.sensitive or ctx.sensitive
    unknown = [c for c in columns if c not in ctx.current.columns]
    if unknown:
        raise ValueError(f"sensitive column(s) {', '.join(unknown)} not in the current data")
    if params.privileged is not None:
        stray = [c for c in params.privileged if c not in columns]
        if stray:
            raise ValueError(f"privileged names column(s) {', '.join(stray)} that are not sensitive columns")
    found: list[tuple[str, ...]] = []
    if params.groupings in ("each", "both") or len(columns) == 1:
        found += [(c,) for c in columns]
    if params.groupings in ("intersectional", "both") and len(columns) > 1:
        found.append(tuple(columns))
    return found


def columns_of(found: list[tuple[str, ...]]) -> tuple[str, ...]:
    """Every sensitive column the groupings use, in order: the columns of the finest cells."""
    return tuple(dict.fromkeys(c for grouping in found for c in grouping))


def grouping_name(grouping: tuple[str, ...]) -> str:
    """How the evidence names a grouping, e.g. "sex × race"."""
    return " × ".join(grouping)
