"""The parameters of the explain checks: the SHAP budget, and the thresholds of the governance checks."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ExplainParams(BaseModel):
    """The budget for SHAP: how many rows are explained, and the background for the explainer."""

    model_config = ConfigDict(extra="forbid")

    sample_size: int = Field(default=2000, ge=10, description="Rows of the current data explained (seeded).")
    background_size: int = Field(
        default=100, ge=10, description="Rows of the reference data used as the explainer's background."
    )
    agnostic_sample_size: int = Field(
        default=300,
        ge=10,
        description="Rows explained when only the model-agnostic (permutation) explainer applies; it costs "
        "hundreds of model calls per row.",
    )


class ProxyParams(ExplainParams):
    """When an input column counts as a likely proxy of a sensitive attribute."""

    min_proxy_auc: float = Field(
        default=0.75, ge=0.5, le=1, description="AUC of predicting the sensitive attribute from the column alone."
    )
    min_importance_share: float = Field(
        default=0.05, ge=0, le=1, description="Share of the model's total importance the column must carry."
    )


class DisparityParams(ExplainParams):
    """Which groups' importance profiles are compared."""

    min_group_size: int = Field(default=30, ge=1, description="Fewest explained rows a group needs to be compared.")
    top_k: int = Field(default=3, ge=1, description="How many top columns are named per group.")
