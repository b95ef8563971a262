"""The robustness checks' parameters: how much work each may do, and what counts as a finding.

Every search here is bounded by a parameter (slices tried, rows perturbed, columns scored), so the
family's cost does not grow without limit with the data; each bound is recorded in the evidence.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class WeakSegmentParams(BaseModel):
    """Which slices are searched, how many, and when a slice counts as weak."""

    model_config = ConfigDict(extra="forbid")

    metric: Literal["error_rate", "false_negative_rate", "mae"] | None = Field(
        default=None,
        description="What is compared: error rate or false negative rate (classifiers), mean absolute error "
        "(regression); default: error rate for classifiers, MAE for regression models.",
    )
    max_features: int = Field(default=2, ge=1, le=2, description="Features a slice is defined by: one, or two.")
    bins: int = Field(
        default=4, ge=2, le=20, description="Quantile bins of a numeric column, cut at the reference data's quantiles."
    )
    max_values: int = Field(
        default=20, ge=2, le=200, description="Most frequent values of a categorical column given their own slice."
    )
    min_size: int = Field(default=50, ge=10, description="Fewest labelled rows a slice needs to be tested.")
    max_slices: int = Field(
        default=5000, ge=10, le=1_000_000, description="Budget: most slices tested (one-feature slices come first)."
    )
    include_sensitive: bool = Field(
        default=False, description="Also slice by the sensitive columns (fairness checks already compare them)."
    )
    alpha: float = Field(
        default=0.01,
        gt=0,
        lt=1,
        description="Family-wise error rate of the Holm correction: the chance that a model with no weak slice "
        "is reported with one.",
    )
    min_ratio: float = Field(
        default=1.5, ge=1, description="How many times the overall value a significant slice must reach to be weak."
    )
    top_k: int = Field(default=10, ge=1, le=100, description="Slices listed in the evidence.")
    confidence: float = Field(default=0.95, gt=0, lt=1, description="Confidence level of each slice's interval.")


class PerturbationParams(BaseModel):
    """How large a meaningless change is, and on how many rows the model is asked again."""

    model_config = ConfigDict(extra="forbid")

    numeric_scale: float = Field(
        default=0.01,
        gt=0,
        le=0.5,
        description="Largest change of a numeric input, as a fraction of its interquartile range in the reference.",
    )
    rare_share: float = Field(
        default=0.01,
        ge=0,
        le=0.5,
        description="A categorical value rarer than this share of the reference (or absent from it) is replaced "
        "by the most similar frequent value.",
    )
    regression_tolerance: float = Field(
        default=0.05,
        gt=0,
        le=1,
        description="Regression: a prediction 'flips' when it moves by more than this fraction of the "
        "interquartile range of the predictions.",
    )
    max_rows: int = Field(default=2000, ge=10, le=1_000_000, description="Rows of the current data perturbed (seeded).")
    confidence: float = Field(default=0.95, gt=0, lt=1, description="Confidence level of every interval.")


class CounterfactualParams(BaseModel):
    """Which attributes are flipped, on how many rows."""

    model_config = ConfigDict(extra="forbid")

    sensitive: list[str] | None = Field(
        default=None, description="Sensitive columns to flip (default: all given to the audit)."
    )
    proxies: list[str] = Field(
        default_factory=list, description="Input columns flagged as proxies of a sensitive attribute, flipped too."
    )
    max_values: int = Field(
        default=10, ge=2, le=50, description="Most frequent values of an attribute that a row is flipped to."
    )
    regression_tolerance: float = Field(
        default=0.05,
        gt=0,
        le=1,
        description="Regression: a prediction changes when it moves by more than this fraction of the "
        "interquartile range of the predictions.",
    )
    max_rows: int = Field(default=2000, ge=10, le=1_000_000, description="Rows of the current data flipped (seeded).")
    confidence: float = Field(default=0.95, gt=0, lt=1, description="Confidence level of every interval.")


class DuplicateParams(BaseModel):
    """Which columns make two rows the same."""

    model_config = ConfigDict(extra="forbid")

    columns: Literal["all", "features"] = Field(
        default="all",
        description="Compare every column of the data, or only the model's inputs and the target.",
    )
    examples: int = Field(default=5, ge=0, le=50, description="Repeated rows listed in the evidence (row numbers).")


class LeakageParams(BaseModel):
    """How many rows and columns are scored, and from what AUC a column counts as leaking."""

    model_config = ConfigDict(extra="forbid")

    max_rows: int = Field(
        default=50_000,
        ge=100,
        description="Rows scored (seeded sample above this); an AUC from 50,000 rows is within about 0.005.",
    )
    max_columns: int = Field(default=200, ge=1, description="Input columns scored, in order.")
    bins: int = Field(default=10, ge=2, le=100, description="Quantile bins of a numeric column for its target rates.")
    leak_auc: float = Field(
        default=0.95, ge=0.5, le=1, description="AUC from which a column is listed as a likely leak."
    )
    top_k: int = Field(default=10, ge=1, le=100, description="Columns listed in the evidence.")
