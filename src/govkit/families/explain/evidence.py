"""What each explain check records as its evidence (``Measurement.details``), as pydantic models.

Every explain check records the same explanation (``ExplanationEvidence``: importance per input
column, a down-sampled SHAP summary, local explanations); the governance checks add their own table.
The runner validates each check's details against its model and the report reads them through it,
so the two cannot drift apart. This module imports only pydantic, the standard library and
``govkit.registry``: the report may import it without importing the family.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from govkit.registry import Evidence

ExplainerName = Literal["TreeExplainer", "LinearExplainer", "PermutationExplainer"]
# Where the values add up: a binary model's log-odds, a multiclass model's per-class raw score
# (margin), a probability, or a regressor's prediction.
OutputSpace = Literal["log-odds", "margin", "probability", "prediction"]


class ImportanceRow(Evidence):
    """One input column's mean |SHAP| value and its share of the total; rows run from most important."""

    column: str
    mean_abs_shap: float
    share: float


class SummaryColumn(Evidence):
    """One column of the SHAP summary: a SHAP value per plotted row, and that row's rank in the column.

    ``rank`` is the row's value as a percentile of the column (0..1), None for a missing value, and
    the whole list is None for a non-numeric column: no raw value is ever recorded.
    """

    column: str
    shap: list[float]
    rank: list[float | None] | None


class Contribution(Evidence):
    """One input column's SHAP value in a local explanation."""

    column: str
    shap: float


class LocalExplanation(Evidence):
    """One prediction's largest contributions; ``other`` is the sum of the rest, so the parts add up."""

    kind: Literal["most confident", "least confident"]
    output: float
    base_value: float
    contributions: list[Contribution]
    other: float


class ExplainedOutput(Evidence):
    """One model output the values decompose: its base value and its largest additivity gap."""

    name: str  # e.g. "log-odds of '>50K'", "margin of 'gold'", "probability of 'gold' or 'silver'"
    base_value: float
    additivity_error: float  # max over rows of |sum of values + base value - the model's own output|


class ExplanationEvidence(Evidence):
    """What every explain check records: the explanation of the sample and how it was made."""

    explainer: ExplainerName
    explains: str  # the model output the values decompose, e.g. "log-odds of '>50K'"
    sample_size: int
    population: int
    background_size: int  # 0 for TreeExplainer, which needs no background
    importance: list[ImportanceRow]
    base_value: float  # of the first explained output when there are several (see ``outputs``)
    # Results written before govkit recorded the output space and each explained output lack them.
    space: OutputSpace | None = None
    outputs: list[ExplainedOutput] = Field(default_factory=list)
    # Results written before govkit recorded the summary and local explanations lack them.
    summary_plot: list[SummaryColumn] = Field(default_factory=list)
    local: list[LocalExplanation] = Field(default_factory=list)  # empty when the output has no decision boundary


class AdditivityEvidence(ExplanationEvidence):
    """``explain.additivity``: the explanation whose values are checked against the model's output."""


class TopFeatureShareEvidence(ExplanationEvidence):
    """``explain.top_feature_share``: the explanation whose top importance row is the measured share."""


class SensitiveImportanceEvidence(ExplanationEvidence):
    """``explain.sensitive_feature_importance``: the explanation and which sensitive columns are inputs."""

    sensitive_inputs: list[str]


class ProxyRow(Evidence):
    """One input column: how well it predicts each sensitive attribute alone, and its importance share."""

    column: str
    importance_share: float
    proxy_auc: dict[str, float | None]  # sensitive column -> AUC; None where it is undefined (one group)
    strongest_sensitive: str | None
    flagged: bool


class ProxyEvidence(ExplanationEvidence):
    """``explain.proxy_features``: the explanation and the proxy table, strongest proxies first."""

    proxies: list[ProxyRow]
    proxy_method: str


class GroupProfile(Evidence):
    """One group's importance profile: its most important columns and its distance from the overall one."""

    sensitive: str
    group: str
    rows: int
    distance: float
    top: list[str]


class DisparityEvidence(ExplanationEvidence):
    """``explain.importance_disparity``: the explanation and every group's profile (small groups too)."""

    groups: list[GroupProfile]
    overall_top: list[str]
