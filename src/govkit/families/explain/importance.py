"""Checks read straight off the explanation: additivity, the top column's share, sensitive columns' share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.explain.views import measurement

if TYPE_CHECKING:
    from govkit.context import AuditContext
    from govkit.families.explain.explanation import Explanation
    from govkit.families.explain.params import ExplainParams
    from govkit.results import Measurement


def additivity(explanation: Explanation, params: ExplainParams, ctx: AuditContext) -> Measurement:
    """Largest gap between SHAP values plus base value and the model's own output, in the explainer's space."""
    error = explanation.additivity_error()
    rows = explanation.sample_size
    if len(explanation.outputs) > 1:
        summary = (
            f"SHAP values add up to each explained output ({', '.join(explanation.outputs)}) within {error:.1e} "
            f"on {rows} rows (checked in {explanation.space} space, each output on its own)."
        )
    else:
        what = explanation.outputs[0] if explanation.outputs else explanation.output_name
        summary = (
            f"SHAP values add up to the model's {what} within {error:.1e} on {rows} rows "
            f"(checked in {explanation.space} space)."
        )
    return measurement(explanation, ctx, value=error, summary=summary)


def top_feature_share(explanation: Explanation, params: ExplainParams, ctx: AuditContext) -> Measurement:
    """Share of the total importance carried by the most important input column."""
    importance = explanation.importance()
    top = importance[0]
    return measurement(
        explanation,
        ctx,
        value=top["share"],
        summary=f"The model relies most on {top_names(importance)}; {top['column']} alone carries "
        f"{top['share']:.0%} of the total importance.",
    )


def sensitive_feature_importance(explanation: Explanation, params: ExplainParams, ctx: AuditContext) -> Measurement:
    """Share of the total importance carried by sensitive columns that are model inputs."""
    importance = explanation.importance()
    sensitive_inputs = [c for c in ctx.sensitive if c in explanation.columns]
    share = sum(row["share"] for row in importance if row["column"] in sensitive_inputs)
    if sensitive_inputs:
        carried = ", ".join(
            f"{row['column']} {row['share']:.0%}" for row in importance if row["column"] in sensitive_inputs
        )
        summary = (
            f"The model relies most on {top_names(importance)}; "
            f"sensitive inputs carry {carried} of the total importance."
        )
    else:
        summary = "No sensitive column is a model input, so none carries importance directly (proxies may still)."
    return measurement(explanation, ctx, {"sensitive_inputs": sensitive_inputs}, value=share, summary=summary)


def top_names(importance: list[dict[str, Any]], count: int = 3) -> str:
    """'a, b and c': the ``count`` most important columns."""
    names = [row["column"] for row in importance[:count]]
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
