"""A model's outputs on a frame, computed once, in one pass through the model.

Naively, labels and scores cost two full passes (``predict`` and ``predict_proba``), each of which
re-runs a pipeline's preprocessing. Here a pipeline's preprocessing runs once per chunk of rows,
and for classifiers whose ``predict`` is by definition the most probable class the labels are
read off the probabilities: verified against ``predict`` on the first rows before it is relied on.
Chunking bounds the memory of the transformed matrix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

CHUNK_ROWS = 100_000
CHECK_ROWS = 2_000

# scikit-learn estimators whose predict() is classes_[argmax(predict_proba())] by construction
# (unlike, say, SVC, whose Platt-scaled probabilities can disagree with its decisions).
ARGMAX_CONSISTENT = (
    "GradientBoostingClassifier",
    "HistGradientBoostingClassifier",
    "RandomForestClassifier",
    "ExtraTreesClassifier",
    "DecisionTreeClassifier",
    "ExtraTreeClassifier",
    "LogisticRegression",
    "LogisticRegressionCV",
)


def split_pipeline(model: Any) -> tuple[Any | None, Any]:
    """(preprocessing, final estimator) of a scikit-learn Pipeline; (None, model) otherwise."""
    steps = getattr(model, "steps", None)
    if steps and len(steps) > 1:
        return model[:-1], model[-1]
    if steps:
        return None, steps[-1][1]
    return None, model


def model_outputs(
    model: Any, inputs: pd.DataFrame, positive_label: Any, binary: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """(labels, positive-class scores or None) for every row of ``inputs``."""
    import numpy as np

    preprocess, final = split_pipeline(model)
    scored = binary and hasattr(final, "predict_proba") and hasattr(final, "classes_")
    shortcut = scored and type(final).__name__ in ARGMAX_CONSISTENT
    label_parts: list[np.ndarray] = []
    score_parts: list[np.ndarray] = []
    for start in range(0, len(inputs), CHUNK_ROWS):
        chunk = inputs.iloc[start : start + CHUNK_ROWS]
        matrix = preprocess.transform(chunk) if preprocess is not None else chunk
        if not scored:
            label_parts.append(np.asarray(final.predict(matrix)))
            continue
        probabilities = np.asarray(final.predict_proba(matrix))
        classes = np.asarray(final.classes_)
        position = [str(c) for c in classes].index(str(positive_label))
        score_parts.append(probabilities[:, position].astype(float))
        if shortcut and start == 0:
            head = matrix[:CHECK_ROWS] if not hasattr(matrix, "iloc") else matrix.iloc[:CHECK_ROWS]
            expected = np.asarray(final.predict(head))
            shortcut = bool(np.array_equal(expected, classes[np.argmax(probabilities[: len(expected)], axis=1)]))
        if shortcut:
            label_parts.append(classes[np.argmax(probabilities, axis=1)])
        else:
            label_parts.append(np.asarray(final.predict(matrix)))
    labels = np.concatenate(label_parts) if label_parts else np.asarray([])
    scores = np.concatenate(score_parts) if score_parts else None
    return labels, scores
