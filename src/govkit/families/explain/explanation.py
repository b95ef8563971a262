"""One explanation per audit: SHAP values for a seeded sample of the current data, by input column.

SHAP values are computed once per audit (memoised in the context) on a seeded sample of the current
data (the budget), against a seeded background from the reference data. A pipeline is explained in
the space its final estimator sees and its columns are summed back to the input columns, so every
check of the family reads the same values, one per input column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.families.explain.aggregation import aggregate, source_columns
from govkit.families.explain.explainers import is_linear, is_tree, shap_values
from govkit.predict import split_pipeline

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from govkit.context import AuditContext
    from govkit.families.explain.params import ExplainParams


@dataclass
class Explanation:
    """SHAP values for the sample, already summed back to the input columns."""

    columns: list[str]
    values: np.ndarray  # rows x input columns
    base_value: float
    model_output: np.ndarray  # what the values explain, for the same rows
    output_name: str  # e.g. "log-odds of '>50K'"
    explainer: str
    sample_size: int
    background_size: int
    population: int
    rows: pd.Index  # which rows of the current data were explained

    def importance(self) -> list[dict[str, Any]]:
        """Mean |SHAP| and share of the total per input column, most important first."""
        import numpy as np

        mean_abs = np.abs(self.values).mean(axis=0)
        total = float(mean_abs.sum())
        order = np.argsort(-mean_abs, kind="stable")
        return [
            {
                "column": self.columns[i],
                "mean_abs_shap": float(mean_abs[i]),
                "share": float(mean_abs[i] / total) if total > 0 else 0.0,
            }
            for i in order
        ]

    def additivity_error(self) -> float:
        import numpy as np

        return float(np.max(np.abs(self.values.sum(axis=1) + self.base_value - self.model_output)))

    def shares_by(self, groups: pd.Series) -> dict[str, tuple[int, np.ndarray]]:
        """Per group of ``groups`` (aligned with ``rows``): rows explained, and importance shares per column."""
        import numpy as np

        out: dict[str, tuple[int, np.ndarray]] = {}
        labels = groups.astype("string").fillna("(missing)").to_numpy()
        for label in sorted(set(labels)):
            mask = labels == label
            mean_abs = np.abs(self.values[mask]).mean(axis=0)
            total = mean_abs.sum()
            out[str(label)] = (int(mask.sum()), mean_abs / total if total > 0 else mean_abs)
        return out


def explain(ctx: AuditContext, params: ExplainParams) -> Explanation:
    """SHAP values for a seeded sample of the current data, memoised per audit."""
    key = ("explain", params.sample_size, params.background_size)
    return ctx.memo(key, lambda: _explain(ctx, params))


def _sample(frame: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    return frame.sample(n=size, random_state=seed) if len(frame) > size else frame


def _to_dense(matrix: Any) -> np.ndarray:
    import numpy as np

    return np.asarray(matrix.toarray() if hasattr(matrix, "toarray") else matrix, dtype=float)


def _samples(ctx: AuditContext, params: ExplainParams, estimator: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows explained, background rows), each seeded and recorded when it is a sample."""
    features = list(ctx.features)
    population = len(ctx.current)
    tree = is_tree(estimator)
    agnostic = not (tree or is_linear(estimator))
    budget = min(params.sample_size, params.agnostic_sample_size) if agnostic else params.sample_size
    sample = _sample(ctx.current[features], budget, ctx.seed)
    if len(sample) < population:
        ctx.record_sampling("explain", "current rows explained with SHAP", population, len(sample), ctx.seed)
    background_source = ctx.reference if ctx.reference is not None else ctx.current
    background = _sample(background_source[features], params.background_size, ctx.seed + 1)
    if not tree and len(background) < len(background_source):  # TreeExplainer uses no background
        which = "reference" if ctx.reference is not None else "current"
        ctx.record_sampling(
            "explain",
            f"{which} rows used as the SHAP background",
            len(background_source),
            len(background),
            ctx.seed + 1,
        )
    return sample, background


def _explain(ctx: AuditContext, params: ExplainParams) -> Explanation:
    import numpy as np

    features = list(ctx.features)
    preprocessor, estimator = split_pipeline(ctx.model)
    sample, background = _samples(ctx, params, estimator)
    x_sample: Any
    x_background: Any
    if preprocessor is not None:
        x_sample = _to_dense(preprocessor.transform(sample))
        x_background = _to_dense(preprocessor.transform(background))
        sources = source_columns(preprocessor, features, x_sample.shape[1])
    else:
        x_sample, x_background, sources = sample, background, features

    decomposed = shap_values(estimator, x_sample, x_background, ctx.positive_label, ctx.seed)
    classifier = hasattr(estimator, "classes_")
    return Explanation(
        columns=features,
        values=aggregate(np.asarray(decomposed.values, dtype=float), sources, features),
        base_value=float(decomposed.base_value),
        model_output=np.asarray(decomposed.output, dtype=float),
        output_name=decomposed.output_name if classifier else "prediction",
        explainer=decomposed.explainer,
        sample_size=len(sample),
        background_size=len(background) if decomposed.explainer != "TreeExplainer" else 0,
        population=len(ctx.current),
        rows=sample.index,
    )
