"""Explanations with shap: which input columns the model leans on, and how much on sensitive ones.

The family's checks all read one explanation per audit (``explanation``): SHAP values for a seeded
sample of the current data, made by the explainer that fits the model (``explainers``) and summed
back to the input columns when the model is a pipeline (``aggregation``). Some checks read it
straight (``importance``), the governance checks combine it with the sensitive columns
(``governance``, ``proxies``). The values add up in the explainer's own output space (a margin,
a probability or a prediction; ``outputs``), which every check records and the additivity check
is measured in. Every check records the same explanation and views of it
(``views``) plus its own table; ``evidence`` is the shape of all of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from govkit.families.explain import evidence, governance, importance
from govkit.families.explain.explanation import Explanation, explain
from govkit.families.explain.params import DisparityParams, ExplainParams, ProxyParams
from govkit.registry import TASKS, CheckDef

if TYPE_CHECKING:
    from govkit.context import AuditContext
    from govkit.results import Measurement

__all__ = ["CHECKS", "INTRO", "NAME", "TITLE", "Explanation", "explain", "run"]

NAME = "explain"
TITLE = "Explanations"
INTRO = (
    "Which inputs drive the model's decisions? Importance is the mean absolute SHAP value of each "
    "input column on a sample of the current data."
)

_NEEDS = frozenset({"current", "model"})
# Importance means the same for every task: what is explained is the favourable class(es) of a
# classifier (``outputs.choose_outputs``) or a regressor's prediction.
_ALL_TASKS = TASKS

CHECKS: dict[str, CheckDef] = {
    "sensitive_feature_importance": CheckDef(
        title="Importance of sensitive columns",
        doc="Share of the model's total mean |SHAP| importance carried by sensitive columns that are model inputs.",
        requires=_NEEDS | {"sensitive"},
        params=ExplainParams,
        evidence=evidence.SensitiveImportanceEvidence,
        unit="share",
        higher_is_better=False,
        tasks=_ALL_TASKS,
    ),
    "top_feature_share": CheckDef(
        title="Share of the most important column",
        doc="Share of total mean |SHAP| importance carried by the single most important input column.",
        requires=_NEEDS,
        params=ExplainParams,
        evidence=evidence.TopFeatureShareEvidence,
        unit="share",
        higher_is_better=False,
        tasks=_ALL_TASKS,
    ),
    "proxy_features": CheckDef(
        title="Likely proxies of sensitive attributes",
        doc="Number of input columns that predict a sensitive attribute on their own (AUC at least min_proxy_auc) "
        "and carry at least min_importance_share of the model's importance.",
        requires=_NEEDS | {"sensitive"},
        params=ProxyParams,
        evidence=evidence.ProxyEvidence,
        unit="count",
        higher_is_better=False,
        tasks=_ALL_TASKS,
    ),
    "importance_disparity": CheckDef(
        title="Importance disparity across groups",
        doc="Largest total-variation distance between a group's importance profile (share of mean |SHAP| per "
        "column) and the profile over all explained rows: 0 when every group's decisions lean on the same inputs.",
        requires=_NEEDS | {"sensitive"},
        params=DisparityParams,
        evidence=evidence.DisparityEvidence,
        unit="distance",
        higher_is_better=False,
        tasks=_ALL_TASKS,
    ),
    "additivity": CheckDef(
        title="SHAP additivity error",
        doc="Largest gap between SHAP values plus base value and the model's own output on the sample, in the "
        "explainer's output space (log-odds or margin for boosted trees and linear models, probability, prediction).",
        requires=_NEEDS,
        params=ExplainParams,
        evidence=evidence.AdditivityEvidence,
        unit="model output",
        higher_is_better=False,
        tasks=_ALL_TASKS,
    ),
}

# Check name -> what measures it from the audit's explanation; one entry per check of CHECKS.
_MEASURES: dict[str, Callable[[Explanation, Any, AuditContext], Measurement]] = {
    "sensitive_feature_importance": importance.sensitive_feature_importance,
    "top_feature_share": importance.top_feature_share,
    "proxy_features": governance.proxy_features,
    "importance_disparity": governance.importance_disparity,
    "additivity": importance.additivity,
}


def run(name: str, params: Any, ctx: AuditContext) -> Measurement:
    """Measure check ``name``: the explanation is computed on the first check and shared by the rest."""
    measure = _MEASURES.get(name)
    if measure is None:
        raise KeyError(f"explain has no check {name!r}; it has {', '.join(CHECKS)}")
    return measure(explain(ctx, params), params, ctx)
