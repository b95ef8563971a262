"""The policy's ``reapproval:`` section: which changes since the last approved audit are material.

A material change means the new audit needs a fresh approval: ``govkit audit`` exits 1 and
``govkit verify`` fails until it is signed. The comparison itself is ``govkit.history.diff``; this
module is only the schema, so the policy can validate it without a database.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Reapproval(BaseModel):
    """What counts as material. Every setting defaults to the cautious choice except the data hash:
    monitoring audits see new data every run, and their checks say whether it matters."""

    model_config = ConfigDict(extra="forbid")

    required: bool = Field(default=True, description="Require a fresh approval after a material change.")
    status_worse: bool = Field(default=True, description="A check whose status got worse (pass -> warn ...).")
    value_moved: float | None = Field(
        default=None, description="A check value that moved by more than this (absolute); None: not material."
    )
    checks_changed: bool = Field(default=True, description="Checks added or removed by a policy change.")
    model_changed: bool = Field(default=True, description="A new model file (its sha256 changed).")
    policy_changed: bool = Field(default=True, description="A new policy file (its sha256 changed).")
    data_changed: bool = Field(default=False, description="New current data (its sha256 changed).")
    reference_changed: bool = Field(default=False, description="New reference data (its sha256 changed).")

    @field_validator("value_moved")
    @classmethod
    def _finite_positive(cls, value: float | None) -> float | None:
        if value is not None and (not math.isfinite(value) or value < 0):
            raise ValueError("must be a finite number >= 0")
        return value
