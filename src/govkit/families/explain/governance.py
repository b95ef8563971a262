"""Governance checks on top of the explanation: likely proxies of sensitive attributes, and importance by group.

A proxy is an input column that both stands in for a sensitive attribute (it predicts it alone, see
``proxies``) and drives the model. Importance disparity asks whether the model leans on different
inputs for different groups: the total-variation distance between a group's importance profile and
the overall one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.explain.proxies import proxy_strength
from govkit.families.explain.views import measurement

if TYPE_CHECKING:
    from govkit.context import AuditContext
    from govkit.families.explain.explanation import Explanation
    from govkit.families.explain.params import DisparityParams, ProxyParams
    from govkit.results import Measurement


def proxy_features(explanation: Explanation, params: ProxyParams, ctx: AuditContext) -> Measurement:
    """Input columns that both stand in for a sensitive attribute and drive the model."""
    table = _proxy_table(explanation, params, ctx)
    flagged = [r for r in table if r["flagged"]]
    method = (
        "out-of-fold target-encoding AUC of the sensitive attribute from the column alone "
        f"(numbers in 10 quantile bins), on the {explanation.sample_size} explained rows"
    )
    if flagged:
        named = "; ".join(
            f"{r['column']} predicts {r['strongest_sensitive']} "
            f"with AUC {r['proxy_auc'][r['strongest_sensitive']]:.2f} "
            f"and carries {r['importance_share']:.0%} of the importance"
            for r in flagged
        )
        summary = f"Likely proxies: {named}."
    else:
        summary = (
            f"No input column both predicts a sensitive attribute with AUC ≥ {params.min_proxy_auc:g} and carries "
            f"≥ {params.min_importance_share:.0%} of the importance."
        )
    evidence = {"proxies": table, "proxy_method": method}
    return measurement(explanation, ctx, evidence, value=float(len(flagged)), summary=summary)


def _proxy_table(explanation: Explanation, params: ProxyParams, ctx: AuditContext) -> list[dict[str, Any]]:
    """One row per non-sensitive input column, strongest proxy first (see ``evidence.ProxyRow``)."""
    shares = {row["column"]: row["share"] for row in explanation.importance()}
    rows = explanation.rows
    table = []
    for column in explanation.columns:
        if column in ctx.sensitive:
            continue
        strengths = {
            s: proxy_strength(ctx.current.loc[rows, column], ctx.current.loc[rows, s], ctx.seed) for s in ctx.sensitive
        }
        known = {s: v for s, v in strengths.items() if v is not None}
        strongest = max(known, key=lambda s: known[s]) if known else None
        auc = known.get(strongest) if strongest else None
        table.append(
            {
                "column": column,
                "importance_share": shares.get(column, 0.0),
                "proxy_auc": strengths,
                "strongest_sensitive": strongest,
                "flagged": bool(
                    auc is not None
                    and auc >= params.min_proxy_auc
                    and shares.get(column, 0.0) >= params.min_importance_share
                ),
            }
        )
    table.sort(key=lambda r: -max([v for v in r["proxy_auc"].values() if v is not None] or [0.5]))
    return table


def importance_disparity(explanation: Explanation, params: DisparityParams, ctx: AuditContext) -> Measurement:
    """How far each group's importance profile is from the overall one (total-variation distance)."""
    import numpy as np

    overall = explanation.mean_abs()
    overall = overall / overall.sum() if overall.sum() > 0 else overall
    groups: list[dict[str, Any]] = []
    worst: tuple[float, str, str] | None = None
    for column in ctx.sensitive:
        for label, (count, shares) in explanation.shares_by(ctx.current.loc[explanation.rows, column]).items():
            top = [explanation.columns[i] for i in np.argsort(-shares, kind="stable")[: params.top_k]]
            distance = float(0.5 * np.abs(shares - overall).sum())
            groups.append({"sensitive": column, "group": label, "rows": count, "distance": distance, "top": top})
            # a group too small to compare is listed, not judged
            if count >= params.min_group_size and (worst is None or distance > worst[0]):
                worst = (distance, column, label)
    overall_top = [explanation.columns[i] for i in np.argsort(-overall, kind="stable")[: params.top_k]]
    evidence = {"groups": groups, "overall_top": overall_top}
    if worst is None:
        reason = f"no group has {params.min_group_size} explained rows; raise sample_size"
        return measurement(explanation, ctx, evidence, inconclusive_reason=reason)
    distance, column, label = worst
    top = next(g["top"] for g in groups if g["sensitive"] == column and g["group"] == label)
    summary = (
        f"Overall the model relies most on {', '.join(overall_top)}; for {column} = {label} it relies most on "
        f"{', '.join(top)} (profile distance {distance:.2f})."
    )
    return measurement(explanation, ctx, evidence, value=distance, summary=summary)
