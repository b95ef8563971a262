"""The fairness checks' parameters, and what they mean for one audit: the groupings and the smallest group.

Every fairness check compares groups of rows; which groupings (each sensitive column on its own,
their intersection) and how many rows a group needs before it may decide a check are set here,
once for classification and regression alike.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from govkit.context import AuditContext


class FairnessParams(BaseModel):
    """Which groups to compare and how much data a group needs before it can decide a check."""

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
    bootstrap_samples: int = Field(
        default=1000,
        ge=0,
        description="Resamples for the confidence interval of the value (seeded, stratified by group; 0: none).",
    )
    confidence: float = Field(default=0.95, gt=0, lt=1, description="Confidence level of the intervals.")


class ReferenceGroupParams(FairnessParams):
    """For ratios against one group: a named reference group, or the most favoured one."""

    reference_group: str | None = Field(
        default=None,
        description="Group every other group is compared with, e.g. 'Male' (default: the group with the "
        "highest selection rate).",
    )


def minimum_rows(params: FairnessParams, total: float) -> int:
    """The fewest rows a group of a grouping with ``total`` rows needs to decide a check."""
    return max(params.min_group_size, math.ceil(params.min_group_share * total))


def groupings(ctx: AuditContext, params: FairnessParams) -> list[tuple[str, ...]]:
    """The groupings to compare: each sensitive column, their intersection, or both."""
    columns = params.sensitive or ctx.sensitive
    unknown = [c for c in columns if c not in ctx.current.columns]
    if unknown:
        raise ValueError(f"sensitive column(s) {', '.join(unknown)} not in the current data")
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
