"""Explanations with shap: which input columns the model leans on, and how much on sensitive ones.

SHAP values are computed once per audit, on a seeded sample of the current data (the budget),
with the explainer that fits the model: TreeExplainer for tree ensembles, LinearExplainer for
linear models, and a model-agnostic permutation explainer otherwise. A scikit-learn Pipeline is
explained in the space its final estimator sees, then one-hot (and other many-to-one) columns are
summed back to the input column they came from, which preserves each row's total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from govkit.predict import split_pipeline
from govkit.registry import CheckDef
from govkit.results import Measurement

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from govkit.context import AuditContext

NAME = "explain"
TITLE = "Explanations"
INTRO = (
    "Which inputs drive the model's decisions? Importance is the mean absolute SHAP value of each "
    "input column on a sample of the current data."
)


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


_NEEDS = frozenset({"current", "model"})

CHECKS: dict[str, CheckDef] = {
    "sensitive_feature_importance": CheckDef(
        title="Importance of sensitive columns",
        doc="Share of the model's total mean |SHAP| importance carried by sensitive columns that are model inputs.",
        requires=_NEEDS | {"sensitive"},
        params=ExplainParams,
        unit="share",
        higher_is_better=False,
    ),
    "top_feature_share": CheckDef(
        title="Share of the most important column",
        doc="Share of total mean |SHAP| importance carried by the single most important input column.",
        requires=_NEEDS,
        params=ExplainParams,
        unit="share",
        higher_is_better=False,
    ),
    "proxy_features": CheckDef(
        title="Likely proxies of sensitive attributes",
        doc="Number of input columns that predict a sensitive attribute on their own (AUC at least min_proxy_auc) "
        "and carry at least min_importance_share of the model's importance.",
        requires=_NEEDS | {"sensitive"},
        params=ProxyParams,
        unit="count",
        higher_is_better=False,
    ),
    "importance_disparity": CheckDef(
        title="Importance disparity across groups",
        doc="Largest total-variation distance between a group's importance profile (share of mean |SHAP| per "
        "column) and the profile over all explained rows: 0 when every group's decisions lean on the same inputs.",
        requires=_NEEDS | {"sensitive"},
        params=DisparityParams,
        unit="distance",
        higher_is_better=False,
    ),
    "additivity": CheckDef(
        title="SHAP additivity error",
        doc="Largest gap between SHAP values plus base value and the model's own output on the sample.",
        requires=_NEEDS,
        params=ExplainParams,
        unit="model output",
        higher_is_better=False,
    ),
}


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


# ---------------------------------------------------------------------------------------------
# Mapping a pipeline's transformed columns back to its input columns


def _source_columns(preprocessor: Any, input_columns: list[str], n_outputs: int) -> list[str]:
    """For each transformed column, the input column it came from."""
    transformer = preprocessor[-1] if hasattr(preprocessor, "steps") else preprocessor
    if hasattr(transformer, "transformers_"):
        sources: list[str] = []
        for name, fitted, columns in transformer.transformers_:
            if fitted == "drop" or (name == "remainder" and fitted == "drop"):
                continue
            selected = _column_names(columns, input_columns)
            if not selected:
                continue  # a transformer given no columns is left unfitted and makes no output
            if fitted == "passthrough":
                sources += selected
                continue
            sources += _outputs_of(fitted, selected)
        if len(sources) == n_outputs:
            return sources
    if n_outputs == len(input_columns):
        return list(input_columns)
    raise ValueError(
        "cannot map the pipeline's transformed columns back to its input columns; "
        "use a ColumnTransformer whose transformers keep one output per input or one-hot encode"
    )


def _column_names(columns: Any, input_columns: list[str]) -> list[str]:
    import numpy as np

    if isinstance(columns, str):
        return [columns]
    if callable(columns):
        raise ValueError("column selectors given as callables are not supported for explanation mapping")
    values = list(np.asarray(columns).ravel())
    if values and isinstance(values[0], (bool, np.bool_)):
        return [c for c, keep in zip(input_columns, values, strict=True) if keep]
    if values and isinstance(values[0], (int, np.integer)):
        return [input_columns[int(i)] for i in values]
    return [str(v) for v in values]


def _outputs_of(fitted: Any, selected: list[str]) -> list[str]:
    """Repeat each input column once per output column the transformer makes from it."""
    final = fitted[-1] if hasattr(fitted, "steps") else fitted
    categories = getattr(final, "categories_", None)
    if categories is not None and hasattr(final, "drop_idx_"):  # OneHotEncoder
        outputs: list[str] = []
        drop = final.drop_idx_
        infrequent = getattr(final, "_infrequent_indices", None)
        for i, column in enumerate(selected):
            count = len(categories[i])
            if infrequent is not None and infrequent[i] is not None:
                count = count - len(infrequent[i]) + 1
            if drop is not None and drop[i] is not None:
                count -= 1
            outputs += [column] * count
        return outputs
    names_out = fitted.get_feature_names_out(selected) if hasattr(fitted, "get_feature_names_out") else None
    if names_out is not None and len(names_out) == len(selected):
        return list(selected)
    if len(selected) == 1 and names_out is not None:
        return selected * len(names_out)
    raise ValueError(f"cannot tell which input column each output of {type(final).__name__} comes from")


# ---------------------------------------------------------------------------------------------
# Explainers


def _is_tree(estimator: Any) -> bool:
    name = type(estimator).__name__
    module = type(estimator).__module__
    return (
        hasattr(estimator, "tree_")
        or name.startswith(
            (
                "RandomForest",
                "ExtraTrees",
                "GradientBoosting",
                "HistGradientBoosting",
                "DecisionTree",
                "IsolationForest",
            )
        )
        or module.startswith(("xgboost", "lightgbm", "catboost"))
    )


def _is_linear(estimator: Any) -> bool:
    return hasattr(estimator, "coef_") and hasattr(estimator, "intercept_")


def _positive_index(estimator: Any, positive_label: Any) -> int:
    classes = list(getattr(estimator, "classes_", []))
    for i, label in enumerate(classes):
        if str(label) == str(positive_label):
            return i
    return len(classes) - 1 if classes else 0


def _to_dense(matrix: Any) -> np.ndarray:
    import numpy as np

    return np.asarray(matrix.toarray() if hasattr(matrix, "toarray") else matrix, dtype=float)


def explain(ctx: AuditContext, params: ExplainParams) -> Explanation:
    """SHAP values for a seeded sample of the current data, memoised per audit."""
    key = ("explain", params.sample_size, params.background_size)
    return ctx.memo(key, lambda: _explain(ctx, params))


def _sample(frame: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    return frame.sample(n=size, random_state=seed) if len(frame) > size else frame


def _explain(ctx: AuditContext, params: ExplainParams) -> Explanation:
    import numpy as np
    import shap

    features = list(ctx.features)
    population = len(ctx.current)
    preprocessor, estimator = split_pipeline(ctx.model)
    agnostic = not (_is_tree(estimator) or _is_linear(estimator))
    budget = min(params.sample_size, params.agnostic_sample_size) if agnostic else params.sample_size
    sample = _sample(ctx.current[features], budget, ctx.seed)
    if len(sample) < population:
        ctx.record_sampling("explain", "current rows explained with SHAP", population, len(sample), ctx.seed)
    background_source = ctx.reference if ctx.reference is not None else ctx.current
    background = _sample(background_source[features], params.background_size, ctx.seed + 1)
    if not _is_tree(estimator) and len(background) < len(background_source):
        which = "reference" if ctx.reference is not None else "current"
        ctx.record_sampling(
            "explain",
            f"{which} rows used as the SHAP background",
            len(background_source),
            len(background),
            ctx.seed + 1,
        )

    if preprocessor is not None:
        x_sample = _to_dense(preprocessor.transform(sample))
        x_background = _to_dense(preprocessor.transform(background))
        sources = _source_columns(preprocessor, features, x_sample.shape[1])
    else:
        x_sample, x_background, sources = sample, background, features

    positive = _positive_index(estimator, ctx.positive_label)
    classifier = hasattr(estimator, "classes_")
    if _is_tree(estimator) or _is_linear(estimator):
        if _is_tree(estimator):
            explainer = shap.TreeExplainer(estimator)
            raw = explainer.shap_values(x_sample, check_additivity=False)
            name = "TreeExplainer"
        else:
            # shap's own masker would quietly cut the background to 100 rows; use the whole budget.
            matrix = np.asarray(x_background, dtype=float)
            explainer = shap.LinearExplainer(estimator, shap.maskers.Independent(matrix, max_samples=len(matrix)))
            raw = explainer.shap_values(np.asarray(x_sample, dtype=float))
            name = "LinearExplainer"
        binary = len(getattr(estimator, "classes_", [])) == 2
        values, base = _pick_output(raw, explainer.expected_value, positive, binary)
        output, output_name = _tree_or_linear_output(estimator, x_sample, positive, ctx.positive_label, values)
    else:
        values, base, output, output_name = _permutation(ctx, estimator, x_sample, x_background, positive)
        name = "PermutationExplainer"

    values = _aggregate(np.asarray(values, dtype=float), sources, features)
    return Explanation(
        columns=features,
        values=values,
        base_value=float(base),
        model_output=np.asarray(output, dtype=float),
        output_name=output_name if classifier else "prediction",
        explainer=name,
        sample_size=len(sample),
        background_size=len(background) if name != "TreeExplainer" else 0,
        population=population,
        rows=sample.index,
    )


def _pick_output(raw: Any, expected: Any, positive: int, binary: bool = False) -> tuple[np.ndarray, float]:
    """SHAP returns one array per class for some models; keep the positive class's."""
    import numpy as np

    values = np.asarray(raw)
    base = np.asarray(expected, dtype=float).ravel()
    if isinstance(raw, list):
        values = np.asarray(raw[positive])
        base_value = base[positive] if base.size > 1 else base[0]
    elif values.ndim == 3:
        values = values[:, :, positive]
        base_value = base[positive] if base.size > 1 else base[0]
    else:
        base_value = base[0]
        if binary and positive == 0:
            # A binary classifier's single output (its margin) speaks for its second class; the
            # positive label is the first, so the values explain the negated margin.
            values, base_value = -values, -base_value
    return values, float(base_value)


def _tree_or_linear_output(
    estimator: Any, x: Any, positive: int, positive_label: Any, values: np.ndarray
) -> tuple[np.ndarray, str]:
    """The model output the explainer decomposes: the margin when there is one, else the probability."""
    import numpy as np

    name = type(estimator).__name__
    if hasattr(estimator, "decision_function") and not name.startswith(("RandomForest", "ExtraTrees")):
        margin = np.asarray(estimator.decision_function(x), dtype=float)
        if margin.ndim == 2:
            margin = margin[:, positive]
        elif positive == 0:
            margin = -margin
        return margin, f"log-odds of '{positive_label}'"
    if hasattr(estimator, "predict_proba"):
        return np.asarray(estimator.predict_proba(x))[:, positive], f"probability of '{positive_label}'"
    return np.asarray(estimator.predict(x), dtype=float), "prediction"


def _permutation(
    ctx: AuditContext, estimator: Any, x_sample: Any, x_background: Any, positive: int
) -> tuple[np.ndarray, float, np.ndarray, str]:
    """Model-agnostic: explain the positive-class probability (or the prediction) by permutation."""
    import numpy as np
    import pandas as pd
    import shap

    frame_like = isinstance(x_sample, pd.DataFrame)
    columns = list(x_sample.columns) if frame_like else None
    # Encode every column as numbers for shap's masker, and decode before calling the model,
    # so models that take strings (categorical columns) can be explained too.
    encoders: dict[str, list[Any]] = {}
    if frame_like:
        combined = pd.concat([x_background, x_sample])
        for column in columns:
            if not pd.api.types.is_numeric_dtype(combined[column]):
                encoders[column] = list(pd.unique(combined[column]))

    def encode(frame: Any) -> np.ndarray:
        if not frame_like:
            return np.asarray(frame, dtype=float)
        out = frame.copy()
        for column, levels in encoders.items():
            out[column] = pd.Categorical(out[column], categories=levels).codes
        return out.to_numpy(dtype=float)

    def decode(matrix: np.ndarray) -> Any:
        if not frame_like:
            return matrix
        frame = pd.DataFrame(matrix, columns=columns)
        for column, levels in encoders.items():
            frame[column] = [levels[int(code)] if code >= 0 else None for code in frame[column]]
        return frame

    # x_sample and x_background are already in the space the final estimator sees (a pipeline's
    # preprocessing was applied), so the final estimator is what is called, not the whole pipeline.
    model = estimator
    if hasattr(model, "predict_proba"):

        def predict(matrix: np.ndarray) -> np.ndarray:
            return np.asarray(model.predict_proba(decode(matrix)))[:, positive]

        output_name = f"probability of '{ctx.positive_label}'"
    else:

        def predict(matrix: np.ndarray) -> np.ndarray:
            return np.asarray(model.predict(decode(matrix)), dtype=float)

        output_name = "prediction"
    sample_matrix = encode(x_sample)
    masker = shap.maskers.Independent(encode(x_background), max_samples=len(x_background))
    explainer = shap.explainers.Permutation(predict, masker, seed=ctx.seed)
    explanation = explainer(sample_matrix, silent=True)
    base = float(np.asarray(explanation.base_values).ravel()[0])
    return np.asarray(explanation.values), base, predict(sample_matrix), output_name


def _aggregate(values: np.ndarray, sources: list[str], columns: list[str]) -> np.ndarray:
    """Sum transformed-column SHAP values into their input columns; each row's total is preserved."""
    import numpy as np

    if list(sources) == list(columns):
        return values
    index = {column: i for i, column in enumerate(columns)}
    out = np.zeros((values.shape[0], len(columns)))
    for j, source in enumerate(sources):
        out[:, index[source]] += values[:, j]
    return out


# ---------------------------------------------------------------------------------------------
# Checks


def run(name: str, params: Any, ctx: AuditContext) -> Measurement:
    explanation = explain(ctx, params)
    importance = explanation.importance()
    details: dict[str, Any] = {
        "explainer": explanation.explainer,
        "explains": explanation.output_name,
        "sample_size": explanation.sample_size,
        "population": explanation.population,
        "background_size": explanation.background_size,
        "importance": importance,
        "base_value": explanation.base_value,
        "summary_plot": ctx.memo(("explain.beeswarm", id(explanation)), lambda: _beeswarm(explanation, ctx)),
        "local": _local_explanations(explanation),
    }
    common = {"sample_size": explanation.sample_size, "method": f"shap.{explanation.explainer}", "details": details}
    if name == "additivity":
        error = explanation.additivity_error()
        return Measurement(
            value=error,
            summary=f"SHAP values add up to the model's {explanation.output_name} within {error:.1e} on "
            f"{explanation.sample_size} rows.",
            **common,
        )
    if name == "top_feature_share":
        top = importance[0]
        return Measurement(
            value=top["share"],
            summary=f"The model relies most on {_top_names(importance)}; {top['column']} alone carries "
            f"{top['share']:.0%} of the total importance.",
            **common,
        )
    if name == "proxy_features":
        return _proxy_measurement(explanation, importance, params, ctx, common)
    if name == "importance_disparity":
        return _disparity_measurement(explanation, params, ctx, common)
    sensitive_inputs = [c for c in ctx.sensitive if c in explanation.columns]
    share = sum(row["share"] for row in importance if row["column"] in sensitive_inputs)
    details["sensitive_inputs"] = sensitive_inputs
    if sensitive_inputs:
        carried = ", ".join(
            f"{row['column']} {row['share']:.0%}" for row in importance if row["column"] in sensitive_inputs
        )
        summary = (
            f"The model relies most on {_top_names(importance)}; "
            f"sensitive inputs carry {carried} of the total importance."
        )
    else:
        summary = "No sensitive column is a model input, so none carries importance directly (proxies may still)."
    return Measurement(value=share, summary=summary, **common)


def _top_names(importance: list[dict[str, Any]], count: int = 3) -> str:
    names = [row["column"] for row in importance[:count]]
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


def _proxy_measurement(
    explanation: Explanation, importance: list[dict[str, Any]], params: ProxyParams, ctx: AuditContext, common: dict
) -> Measurement:
    """Input columns that both stand in for a sensitive attribute and drive the model."""
    from govkit.families.proxies import proxy_strength

    shares = {row["column"]: row["share"] for row in importance}
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
    flagged = [r for r in table if r["flagged"]]
    common["details"]["proxies"] = table
    common["details"]["proxy_method"] = (
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
    return Measurement(value=float(len(flagged)), summary=summary, **common)


def _disparity_measurement(
    explanation: Explanation, params: DisparityParams, ctx: AuditContext, common: dict
) -> Measurement:
    """How far each group's importance profile is from the overall one (total-variation distance)."""
    import numpy as np

    overall = np.abs(explanation.values).mean(axis=0)
    overall = overall / overall.sum() if overall.sum() > 0 else overall
    groups_out = []
    worst: tuple[float, str, str] | None = None
    small: list[str] = []
    for column in ctx.sensitive:
        for label, (count, shares) in explanation.shares_by(ctx.current.loc[explanation.rows, column]).items():
            top = [explanation.columns[i] for i in np.argsort(-shares, kind="stable")[: params.top_k]]
            distance = float(0.5 * np.abs(shares - overall).sum())
            entry = {"sensitive": column, "group": label, "rows": count, "distance": distance, "top": top}
            groups_out.append(entry)
            if count < params.min_group_size:
                small.append(f"{column}={label}")
                continue
            if worst is None or distance > worst[0]:
                worst = (distance, column, label)
    common["details"]["groups"] = groups_out
    overall_top = [explanation.columns[i] for i in np.argsort(-overall, kind="stable")[: params.top_k]]
    common["details"]["overall_top"] = overall_top
    if worst is None:
        return Measurement(
            inconclusive_reason=f"no group has {params.min_group_size} explained rows; raise sample_size", **common
        )
    distance, column, label = worst
    top = next(g["top"] for g in groups_out if g["sensitive"] == column and g["group"] == label)
    return Measurement(
        value=distance,
        summary=(
            f"Overall the model relies most on {', '.join(overall_top)}; for {column} = {label} it relies most on "
            f"{', '.join(top)} (profile distance {distance:.2f})."
        ),
        **common,
    )


def _beeswarm(explanation: Explanation, ctx: AuditContext, columns: int = 10, points: int = 120) -> list[dict]:
    """A down-sampled SHAP summary for the report: per top column, (SHAP value, feature value rank) pairs.

    Feature values are kept only as their rank within the column (0..1, None for non-numeric columns),
    so no raw value reaches the report.
    """
    import numpy as np
    import pandas as pd

    mean_abs = np.abs(explanation.values).mean(axis=0)
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


def _local_explanations(explanation: Explanation, each: int = 2, top: int = 5) -> list[dict]:
    """The most and least confident predictions of the sample, each with its largest contributions.

    Confidence is the distance of the explained output from the base value's decision boundary
    (0 on the log-odds scale, 0.5 on the probability scale); row values are not included.
    """
    import numpy as np

    output = explanation.model_output
    centre = 0.0 if "log-odds" in explanation.output_name else 0.5 if "probability" in explanation.output_name else None
    if centre is None:
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
