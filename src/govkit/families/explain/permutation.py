"""The model-agnostic explainer: shap's permutation explainer on the probabilities (or the prediction).

Used when no exact explainer fits the estimator (SVMs, neighbours, anything else). It explains
probabilities, which add across classes, so a favourable set is explained as the sum of its classes'
probabilities. The values telescope along each permutation, so they add up to the model's output
exactly (up to floating-point error).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from govkit.families.explain.outputs import OutputChoice


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


def permutation_values(
    estimator: Any, x_sample: Any, x_background: Any, choice: OutputChoice, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values rows x columns x outputs, base values, the model's outputs rows x outputs) by permutation."""
    import numpy as np
    import shap

    encode, decode = _numeric_codec(x_sample, x_background)
    picks = list(choice.indices)
    # x_sample and x_background are already in the space the final estimator sees (a pipeline's
    # preprocessing was applied), so the final estimator is what is called, not the whole pipeline.
    model = estimator

    def outputs(matrix: np.ndarray) -> np.ndarray:
        if choice.space != "probability":
            return np.asarray(model.predict(decode(matrix)), dtype=float)[:, None]
        chosen = np.asarray(model.predict_proba(decode(matrix)), dtype=float)[:, picks]
        return chosen.sum(axis=1, keepdims=True) if choice.sum_outputs else chosen

    def predict(matrix: np.ndarray) -> np.ndarray:
        out = outputs(matrix)
        return out[:, 0] if out.shape[1] == 1 else out  # one output as a vector: shap's simplest shape

    sample_matrix = encode(x_sample)
    masker = shap.maskers.Independent(encode(x_background), max_samples=len(x_background))
    explainer = shap.explainers.Permutation(predict, masker, seed=seed)
    explanation = explainer(sample_matrix, silent=True)
    values = np.asarray(explanation.values, dtype=float)
    values = values[:, :, None] if values.ndim == 2 else values
    base = np.asarray(explanation.base_values, dtype=float).reshape(len(sample_matrix), -1)[0]
    return values, base, outputs(sample_matrix)
