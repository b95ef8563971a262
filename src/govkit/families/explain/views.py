"""What every explain check records about the explanation: its headline facts and two views of it.

The views are made for the report and hold no raw value: a down-sampled SHAP summary (the beeswarm)
keeps each row's feature value only as its rank within the column, and the local explanations
show contributions, never the row. The shape of all this is ``evidence.ExplanationEvidence``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.results import Measurement

if TYPE_CHECKING:
    from govkit.context import AuditContext
    from govkit.families.explain.explanation import Explanation


def measurement(
    explanation: Explanation, ctx: AuditContext, extra: dict[str, Any] | None = None, **fields: Any
) -> Measurement:
    """A check's measurement: the shared evidence, then the check's own (``extra``), and ``fields``."""
    details = {**explanation_details(explanation, ctx), **(extra or {})}
    return Measurement(
        sample_size=explanation.sample_size, method=f"shap.{explanation.explainer}", details=details, **fields
    )


def explanation_details(explanation: Explanation, ctx: AuditContext) -> dict[str, Any]:
    """The evidence every explain check shares (its keys are ``ExplanationEvidence``'s fields)."""
    return {
        "explainer": explanation.explainer,
        "explains": explanation.output_name,
        "sample_size": explanation.sample_size,
        "population": explanation.population,
        "background_size": explanation.background_size,
        "importance": explanation.importance(),
        "base_value": explanation.base_value,
        "space": explanation.space,
        "outputs": [
            {"name": name, "base_value": float(base), "additivity_error": error}
            for name, base, error in zip(
                explanation.outputs, _bases(explanation), explanation.additivity_errors(), strict=True
            )
        ],
        # one summary per explanation: every check records the same list
        "summary_plot": ctx.memo(("explain.beeswarm", id(explanation)), lambda: _beeswarm(explanation, ctx)),
        "local": _local_explanations(explanation),
    }


def _bases(explanation: Explanation) -> list[float]:
    bases = explanation.base_values if explanation.base_values is not None else [explanation.base_value]
    return [float(base) for base in bases]


def _beeswarm(
    explanation: Explanation, ctx: AuditContext, columns: int = 10, points: int = 120
) -> list[dict[str, Any]]:
    """A down-sampled SHAP summary for the report: per top column, (SHAP value, feature value rank) pairs.

    Feature values are kept only as their rank within the column (0..1, None for non-numeric columns),
    so no raw value reaches the report.
    """
    import numpy as np
    import pandas as pd

    mean_abs = explanation.mean_abs()
    order = np.argsort(-mean_abs, kind="stable")[:columns]
    rng = np.random.default_rng(ctx.seed)
    chosen = np.sort(rng.permutation(len(explanation.rows))[:points])
    frame = ctx.current.loc[explanation.rows]
    out = []
    for i in order:
        column = explanation.columns[i]
        values = frame[column]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        ranks = values.rank(pct=True).to_numpy() if numeric else None
        out.append(
            {
                "column": column,
                "shap": [round(float(explanation.values[j, i]), 5) for j in chosen],
                "rank": None
                if ranks is None
                else [None if np.isnan(ranks[j]) else round(float(ranks[j]), 3) for j in chosen],
            }
        )
    return out


def _local_explanations(explanation: Explanation, each: int = 2, top: int = 5) -> list[dict[str, Any]]:
    """The most and least confident predictions of the sample, each with its largest contributions.

    Confidence is the distance of the explained output from its decision boundary (0 on the log-odds
    or margin scale, 0.5 on the probability scale); row values are not included. A regression, or an
    explanation of several outputs at once, has no single boundary and gets none.
    """
    import numpy as np

    output = explanation.model_output
    centre = {"log-odds": 0.0, "margin": 0.0, "probability": 0.5}.get(explanation.space)
    if centre is None or len(explanation.outputs) > 1:
        return []
    distance = np.abs(output - centre)
    order = np.argsort(distance, kind="stable")
    picks = [("most confident", j) for j in order[::-1][:each]] + [("least confident", j) for j in order[:each]]
    cases = []
    for kind, j in picks:
        contributions = explanation.values[j]
        strongest = np.argsort(-np.abs(contributions), kind="stable")[:top]
        cases.append(
            {
                "kind": kind,
                "output": float(output[j]),
                "base_value": explanation.base_value,
                "contributions": [
                    {"column": explanation.columns[i], "shap": float(contributions[i])} for i in strongest
                ],
                "other": float(contributions.sum() - contributions[strongest].sum()),
            }
        )
    return cases
