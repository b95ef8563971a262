"""One explanation per audit: SHAP values for a seeded sample of the current data, by input column.

SHAP values are computed once per audit (memoised in the context) on a seeded sample of the current
data (the budget), against a seeded background from the reference data. A pipeline is explained in
the space its final estimator sees and its columns are summed back to the input columns, so every
check of the family reads the same values, one per input column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govkit.families.explain.aggregation import aggregate, source_columns
from govkit.families.explain.explainers import ShapValues, shap_values
from govkit.families.explain.outputs import is_linear, tree_explainable, unwrap
from govkit.predict import split_pipeline

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from govkit.context import AuditContext
    from govkit.families.explain.params import ExplainParams


@dataclass
class Explanation:
    """SHAP values for the sample, already summed back to the input columns.

    ``values``, ``base_value`` and ``model_output`` are the headline output: the one explained output,
    or with several (a multiclass model in margin space), per row the explained class the model scores
    highest. ``all_values``, ``base_values`` and ``all_outputs`` hold every explained output; importance
    and additivity read those.
    """

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
    space: str = "prediction"  # where the values add up: log-odds, margin, probability or prediction
    outputs: list[str] = field(default_factory=list)  # the name of each explained output
    all_values: np.ndarray | None = None  # rows x input columns x outputs
    base_values: np.ndarray | None = None  # one per output
    all_outputs: np.ndarray | None = None  # rows x outputs: the model's own value of each

    def _stack(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        import numpy as np

        if self.all_values is None or self.base_values is None or self.all_outputs is None:
            return self.values[:, :, None], np.asarray([self.base_value]), self.model_output[:, None]
        return self.all_values, self.base_values, self.all_outputs

    def mean_abs(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Mean |SHAP| per input column, summed over the explained outputs (shap's multi-output bar)."""
        import numpy as np

        values = self._stack()[0]
        chosen = values if mask is None else values[mask]
        return np.asarray(np.abs(chosen).mean(axis=0).sum(axis=1))

    def importance(self) -> list[dict[str, Any]]:
        """Mean |SHAP| and share of the total per input column, most important first."""
        import numpy as np

        mean_abs = self.mean_abs()
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

    def additivity_errors(self) -> list[float]:
        """Per explained output: the largest |sum of values + base value - the model's own output|."""
        import numpy as np

        values, base, output = self._stack()
        gaps = np.abs(values.sum(axis=1) + base[None, :] - output)
        return [float(gap) for gap in gaps.max(axis=0)]

    def additivity_error(self) -> float:
        return max(self.additivity_errors())

    def shares_by(self, groups: pd.Series) -> dict[str, tuple[int, np.ndarray]]:
        """Per group of ``groups`` (aligned with ``rows``): rows explained, and importance shares per column."""
        out: dict[str, tuple[int, np.ndarray]] = {}
        labels = groups.astype("string").fillna("(missing)").to_numpy()
        for label in sorted(set(labels)):
            mask = labels == label
            mean_abs = self.mean_abs(mask)
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
    estimator = unwrap(estimator)[0]
    tree = tree_explainable(estimator)
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


def as_fitted(estimator: Any, x: Any) -> Any:
    """``x`` in the form ``estimator`` was fitted on, so scikit-learn has no feature-name mismatch to warn of.

    A model fitted on an array gets an array (its columns in ``features`` order); a model fitted on a
    frame (a pipeline's final step after ``set_output(transform="pandas")``) gets a frame with its names.
    """
    import numpy as np
    import pandas as pd

    names = getattr(estimator, "feature_names_in_", None)
    if names is not None and not isinstance(x, pd.DataFrame) and np.ndim(x) == 2 and np.shape(x)[1] == len(names):
        return pd.DataFrame(x, columns=list(names))
    if names is None and hasattr(estimator, "n_features_in_") and isinstance(x, pd.DataFrame):
        return x.to_numpy()
    return x


def _explain(ctx: AuditContext, params: ExplainParams) -> Explanation:
    features = list(ctx.features)
    preprocessor, estimator = split_pipeline(ctx.model)
    sample, background = _samples(ctx, params, estimator)
    x_sample: Any = sample
    x_background: Any = background
    sources = features
    if preprocessor is not None:
        x_sample = _to_dense(preprocessor.transform(as_fitted(preprocessor, sample)))
        x_background = _to_dense(preprocessor.transform(as_fitted(preprocessor, background)))
        sources = source_columns(preprocessor, features, x_sample.shape[1])
    x_sample, x_background = as_fitted(estimator, x_sample), as_fitted(estimator, x_background)
    decomposed = shap_values(estimator, x_sample, x_background, ctx.favourable_labels, ctx.task, ctx.seed)
    return _assemble(decomposed, sources, features, sample, background, len(ctx.current))


def _assemble(
    decomposed: ShapValues,
    sources: list[str],
    features: list[str],
    sample: pd.DataFrame,
    background: pd.DataFrame,
    population: int,
) -> Explanation:
    """Sum the values back to the input columns and pick the headline output (see ``Explanation``)."""
    import numpy as np

    per_output = [aggregate(decomposed.values[:, :, k], sources, features) for k in range(decomposed.values.shape[2])]
    all_values = np.stack(per_output, axis=2)
    base_values = np.asarray(decomposed.base_values, dtype=float)
    all_outputs = np.asarray(decomposed.output, dtype=float)
    # the headline: per row, the explained output the model scores highest (the only one, usually)
    pick = np.argmax(all_outputs, axis=1)
    rows = np.arange(len(pick))
    names = decomposed.output_names
    explains = names[0] if len(names) == 1 else f"{', '.join(names)} (each on its own; values add up per class)"
    return Explanation(
        columns=features,
        values=all_values[rows, :, pick],
        base_value=float(base_values[0]),
        model_output=all_outputs[rows, pick],
        output_name=explains,
        explainer=decomposed.explainer,
        sample_size=len(sample),
        background_size=len(background) if decomposed.explainer != "TreeExplainer" else 0,
        population=population,
        rows=sample.index,
        space=decomposed.space,
        outputs=list(names),
        all_values=all_values,
        base_values=base_values,
        all_outputs=all_outputs,
    )
