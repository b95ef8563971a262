"""The shap explainer that fits the estimator, and the model outputs it explains, in the explainer's own space.

TreeExplainer for tree ensembles and LinearExplainer for linear models (both exact), a model-agnostic
permutation explainer otherwise. Everything here works in the space the final estimator sees: a
pipeline's preprocessing has already been applied, and its columns are summed back elsewhere
(``aggregation``).

Each explainer decomposes one output space, and additivity is only meaningful there: gradient boosting
(scikit-learn, XGBoost, LightGBM, CatBoost) and linear classifiers in their raw margin (log-odds for a
binary model, a per-class raw score for a multiclass one), forests in probability, the permutation
explainer in probability, regressors in their prediction. The model's own output in that space is
computed by the model (``outputs.raw_output``), never taken from shap, so the additivity check compares
two independent computations.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.families.explain.outputs import (
    OutputChoice,
    choose_outputs,
    is_linear,
    is_tree,
    raw_output,
    tree_explainable,
    unwrap,
)
from govkit.families.explain.permutation import permutation_values

if TYPE_CHECKING:
    import numpy as np

__all__ = ["ShapValues", "is_linear", "is_tree", "select", "shap_values"]


@dataclass(frozen=True)
class ShapValues:
    """SHAP values of the sample for each explained output, and those outputs as the model computes them."""

    values: np.ndarray  # rows x the estimator's columns x outputs
    base_values: np.ndarray  # one per output
    output: np.ndarray  # rows x outputs: the model's own output for the same rows, in ``space``
    output_names: list[str]  # e.g. ["log-odds of '>50K'"]
    space: str  # "log-odds", "margin", "probability" or "prediction": where the values add up
    explainer: str  # the shap class used, e.g. "TreeExplainer"


def shap_values(
    estimator: Any, x_sample: Any, x_background: Any, favourable: list[Any], task: str, seed: int
) -> ShapValues:
    """Explain ``x_sample`` with the explainer that fits ``estimator`` (its favourable class(es))."""
    inner, classes = unwrap(estimator)
    if tree_explainable(inner) or is_linear(inner):
        return _exact(inner, classes, x_sample, x_background, favourable, task)
    choice = choose_outputs(classes, favourable, task, "probability")
    values, base, output = permutation_values(estimator, x_sample, x_background, choice, seed)
    return ShapValues(values, base, output, choice.names, choice.space, "PermutationExplainer")


def _exact(
    estimator: Any, classes: list[Any] | None, x_sample: Any, x_background: Any, favourable: list[Any], task: str
) -> ShapValues:
    import numpy as np
    import shap

    with warnings.catch_warnings():
        # shap warns that a LightGBM binary model's values are one array (not a list of two); the
        # shape is handled below for every library alike, so the notice says nothing to the user.
        warnings.filterwarnings("ignore", message="LightGBM binary classifier with TreeExplainer", category=UserWarning)
        if tree_explainable(estimator):
            explainer: Any = shap.TreeExplainer(estimator)
            raw = explainer.shap_values(x_sample, check_additivity=False)
            name = "TreeExplainer"
        else:
            # shap's own masker would quietly cut the background to 100 rows; use the whole budget.
            matrix = np.asarray(x_background, dtype=float)
            explainer = shap.LinearExplainer(estimator, shap.maskers.Independent(matrix, max_samples=len(matrix)))
            raw = explainer.shap_values(np.asarray(x_sample, dtype=float))
            name = "LinearExplainer"
    model_output, space = raw_output(estimator, x_sample, classes)
    values = _as_3d(raw)
    base = np.asarray(explainer.expected_value, dtype=float).ravel()
    if base.size == 1 and values.shape[2] > 1:
        base = np.repeat(base, values.shape[2])
    choice = choose_outputs(classes, favourable, task, space)
    values, base, output = select(values, base, model_output, choice)
    return ShapValues(values, base, output, choice.names, choice.space, name)


def _as_3d(raw: Any) -> np.ndarray:
    """shap's values as rows x columns x outputs, whatever its version returns (a list per class, or 2-D)."""
    import numpy as np

    if isinstance(raw, list):
        return np.stack([np.asarray(v, dtype=float) for v in raw], axis=2)
    values = np.asarray(raw, dtype=float)
    return values[:, :, None] if values.ndim == 2 else values


def select(
    values: np.ndarray, base: np.ndarray, output: np.ndarray, choice: OutputChoice
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep (and combine) the outputs ``choice`` asks for, from values, base values and the model's output.

    A binary model in margin space has one output, its second class's log-odds: the log-odds of the
    first class are its negation. Probabilities of a favourable set are summed (values, base and
    output alike, so additivity is preserved); margins are never summed.
    """
    import numpy as np

    if choice.negate:
        return -values, -base, -output
    if choice.sum_outputs:
        picks = list(choice.indices)
        return (
            values[:, :, picks].sum(axis=2, keepdims=True),
            np.asarray([base[picks].sum()]),
            output[:, picks].sum(axis=1, keepdims=True),
        )
    picks = list(choice.indices)
    return values[:, :, picks], base[picks], output[:, picks]
