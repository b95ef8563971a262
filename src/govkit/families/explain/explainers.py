"""The shap explainer that fits the estimator, and which of its outputs is explained.

TreeExplainer for tree ensembles and LinearExplainer for linear models (both exact), a model-agnostic
permutation explainer otherwise. Everything here works in the space the final estimator sees: a
pipeline's preprocessing has already been applied, and its columns are summed back elsewhere
(``aggregation``). For a classifier the values explain the positive class: its margin (log-odds)
where the model has one, else its probability.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

TREE_NAMES = (
    "RandomForest",
    "ExtraTrees",
    "GradientBoosting",
    "HistGradientBoosting",
    "DecisionTree",
    "IsolationForest",
)


@dataclass(frozen=True)
class ShapValues:
    """SHAP values of the sample (rows x the estimator's columns) and the output they decompose."""

    values: np.ndarray
    base_value: float
    output: np.ndarray  # the model's own output for the same rows
    output_name: str  # e.g. "log-odds of '>50K'"
    explainer: str  # the shap class used, e.g. "TreeExplainer"


def is_tree(estimator: Any) -> bool:
    name = type(estimator).__name__
    module = type(estimator).__module__
    return (
        hasattr(estimator, "tree_")
        or name.startswith(TREE_NAMES)
        or module.startswith(("xgboost", "lightgbm", "catboost"))
    )


def is_linear(estimator: Any) -> bool:
    return hasattr(estimator, "coef_") and hasattr(estimator, "intercept_")


def positive_index(estimator: Any, positive_label: Any) -> int:
    """Position of the positive label among the estimator's classes (the last class when absent)."""
    classes = list(getattr(estimator, "classes_", []))
    for i, label in enumerate(classes):
        if str(label) == str(positive_label):
            return i
    return len(classes) - 1 if classes else 0


def shap_values(estimator: Any, x_sample: Any, x_background: Any, positive_label: Any, seed: int) -> ShapValues:
    """Explain ``x_sample`` with the explainer that fits ``estimator``."""
    import numpy as np
    import shap

    positive = positive_index(estimator, positive_label)
    if is_tree(estimator):
        explainer = shap.TreeExplainer(estimator)
        raw = explainer.shap_values(x_sample, check_additivity=False)
        return _exact(estimator, explainer, raw, x_sample, positive, positive_label, "TreeExplainer")
    if is_linear(estimator):
        # shap's own masker would quietly cut the background to 100 rows; use the whole budget.
        matrix = np.asarray(x_background, dtype=float)
        explainer = shap.LinearExplainer(estimator, shap.maskers.Independent(matrix, max_samples=len(matrix)))
        raw = explainer.shap_values(np.asarray(x_sample, dtype=float))
        return _exact(estimator, explainer, raw, x_sample, positive, positive_label, "LinearExplainer")
    return _permutation(estimator, x_sample, x_background, positive, positive_label, seed)


def _exact(
    estimator: Any, explainer: Any, raw: Any, x_sample: Any, positive: int, positive_label: Any, name: str
) -> ShapValues:
    binary = len(getattr(estimator, "classes_", [])) == 2
    values, base = pick_output(raw, explainer.expected_value, positive, binary)
    output, output_name = _tree_or_linear_output(estimator, x_sample, positive, positive_label)
    return ShapValues(values=values, base_value=base, output=output, output_name=output_name, explainer=name)


def pick_output(raw: Any, expected: Any, positive: int, binary: bool = False) -> tuple[np.ndarray, float]:
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


def _tree_or_linear_output(estimator: Any, x: Any, positive: int, positive_label: Any) -> tuple[np.ndarray, str]:
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


def _numeric_codec(x_sample: Any, x_background: Any) -> tuple[Callable[[Any], np.ndarray], Callable[[Any], Any]]:
    """(encode, decode): every column as numbers for shap's masker, and back before the model is called,
    so models that take strings (categorical columns) can be explained too."""
    import numpy as np
    import pandas as pd

    frame_like = isinstance(x_sample, pd.DataFrame)
    columns = list(x_sample.columns) if frame_like else None
    encoders: dict[str, list[Any]] = {}
    if frame_like:
        combined = pd.concat([x_background, x_sample])
        for column in columns or []:
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

    return encode, decode


def _permutation(
    estimator: Any, x_sample: Any, x_background: Any, positive: int, positive_label: Any, seed: int
) -> ShapValues:
    """Model-agnostic: explain the positive-class probability (or the prediction) by permutation."""
    import numpy as np
    import shap

    encode, decode = _numeric_codec(x_sample, x_background)
    # x_sample and x_background are already in the space the final estimator sees (a pipeline's
    # preprocessing was applied), so the final estimator is what is called, not the whole pipeline.
    model = estimator
    if hasattr(model, "predict_proba"):

        def predict(matrix: np.ndarray) -> np.ndarray:
            return np.asarray(model.predict_proba(decode(matrix)))[:, positive]

        output_name = f"probability of '{positive_label}'"
    else:

        def predict(matrix: np.ndarray) -> np.ndarray:
            return np.asarray(model.predict(decode(matrix)), dtype=float)

        output_name = "prediction"
    sample_matrix = encode(x_sample)
    masker = shap.maskers.Independent(encode(x_background), max_samples=len(x_background))
    explainer = shap.explainers.Permutation(predict, masker, seed=seed)
    explanation = explainer(sample_matrix, silent=True)
    base = float(np.asarray(explanation.base_values).ravel()[0])
    return ShapValues(
        values=np.asarray(explanation.values),
        base_value=base,
        output=predict(sample_matrix),
        output_name=output_name,
        explainer="PermutationExplainer",
    )
