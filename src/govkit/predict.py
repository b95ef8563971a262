"""A model's outputs on a frame, computed once, in one pass through the model.

Naively, labels and scores cost two full passes (``predict`` and ``predict_proba``), each of which
re-runs a pipeline's preprocessing. Here a pipeline's preprocessing runs once per chunk of rows,
and for classifiers whose ``predict`` is by definition the most probable class the labels are
read off the probabilities: verified against ``predict`` on the first rows before it is relied on.

Chunks are sized by the bytes of the transformed matrix, not by rows: about ``CHUNK_BYTES`` each, worked
out from the first chunk (``CHECK_ROWS`` rows). That bounds the memory of the transformed matrix and
keeps it fast. A chunk matrix of a hundred megabytes or more is fresh memory every time: the kernel
maps and zeroes it on each allocation, and the copies of a ``ColumnTransformer`` run out of cache. On
the benchmark's pipeline (135 encoded columns), predicting 500,000 rows took 5.2 s in chunks of
100,000 rows (108 MB, 2.1 s of it in the kernel) and 2.2 s in chunks of 15,000 (16 MB). Each row's
prediction is its own, so the chunk size changes no output.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from govkit.context import Predictions

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

CHUNK_BYTES = 16 * 2**20
CHECK_ROWS = 2_000  # the first chunk: the argmax shortcut is checked on it and the chunk size measured
MAX_CHUNK_ROWS = 100_000  # a narrow matrix: chunks past this gain nothing

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


def model_outputs(model: Any, inputs: pd.DataFrame, favourable: Sequence[Any] = ()) -> Predictions:
    """Labels for every row of ``inputs``; for a classifier with ``predict_proba`` also its probability
    matrix (columns in ``classes_`` order) and the summed probability of the ``favourable`` labels
    (None when none is given: a multiclass audit one-vs-rest)."""
    import numpy as np

    preprocess, final = split_pipeline(model)
    classes = getattr(final, "classes_", None)
    ordered = np.asarray(classes if classes is not None else [])
    scored = hasattr(final, "predict_proba") and len(ordered) > 0
    shortcut = scored and type(final).__name__ in ARGMAX_CONSISTENT
    label_parts: list[np.ndarray] = []
    matrix_parts: list[np.ndarray] = []
    with quiet_feature_names():
        start, size = 0, CHECK_ROWS
        while start < len(inputs):
            chunk = inputs.iloc[start : start + size]
            matrix = preprocess.transform(chunk) if preprocess is not None else chunk
            if start == 0:
                size = chunk_rows(matrix, len(chunk))
            start += len(chunk)
            if not scored:
                label_parts.append(np.asarray(final.predict(matrix)))
                continue
            probabilities = np.asarray(final.predict_proba(matrix))
            matrix_parts.append(probabilities)
            if shortcut and len(label_parts) == 0:
                head = matrix[:CHECK_ROWS] if not hasattr(matrix, "iloc") else matrix.iloc[:CHECK_ROWS]
                expected = np.asarray(final.predict(head))
                shortcut = bool(np.array_equal(expected, ordered[np.argmax(probabilities[: len(expected)], axis=1)]))
            if shortcut:
                label_parts.append(ordered[np.argmax(probabilities, axis=1)])
            else:
                label_parts.append(np.asarray(final.predict(matrix)).reshape(-1))
    labels = np.concatenate(label_parts) if label_parts else np.asarray([])
    if not scored:
        return Predictions(labels=labels, scores=None)
    full = _as_float64(np.concatenate(matrix_parts) if matrix_parts else np.empty((0, len(ordered))))
    names = [str(c) for c in ordered]
    positions = [names.index(str(label)) for label in favourable]
    # a sum of several classes' probabilities may pass 1 by a rounding error; one class's is kept as given
    summed = full[:, positions].sum(axis=1).astype(float) if len(positions) > 1 else None
    scores = np.clip(summed, 0.0, 1.0) if summed is not None else full[:, positions[0]] if positions else None
    return Predictions(labels=labels, scores=scores, probabilities=full, classes=list(ordered))


def chunk_rows(matrix: Any, rows: int) -> int:
    """Rows per chunk so that a chunk's transformed matrix takes about ``CHUNK_BYTES``.

    The first chunk's matrix (``rows`` rows) gives the bytes per row: a numpy array's, a scipy sparse
    matrix's stored values and indices, a pandas frame's columns. Between ``CHECK_ROWS`` and ``MAX_CHUNK_ROWS``.
    """
    if hasattr(matrix, "memory_usage"):  # a pandas frame (a model fed the frame, or set_output="pandas")
        size = int(matrix.memory_usage(index=False, deep=False).sum())
    elif hasattr(matrix, "indptr"):  # scipy sparse CSR/CSC
        size = sum(int(getattr(matrix, part).nbytes) for part in ("data", "indices", "indptr"))
    else:
        size = int(getattr(matrix, "nbytes", 0))
    if size <= 0 or rows <= 0:
        return MAX_CHUNK_ROWS
    return max(CHECK_ROWS, min(MAX_CHUNK_ROWS, CHUNK_BYTES * rows // size))


def _as_float64(matrix: np.ndarray) -> np.ndarray:
    """The probability matrix in float64. Float32 rows (XGBoost's) add up to 1 only within float32
    rounding, which metrics that check for a distribution (log loss) flag at float64 precision: such
    rows are rescaled to add up to 1, and only when they are probabilities within that rounding (anything
    else is left for the GK205 check to refuse)."""
    import numpy as np

    if matrix.dtype == np.float64:
        return matrix
    values = matrix.astype(np.float64)
    sums = values.sum(axis=1, keepdims=True)
    rounding = np.all(np.isfinite(values)) and np.all((values >= 0) & (values <= 1)) and np.all(np.abs(sums - 1) < 1e-4)
    return values / sums if values.size and rounding else values


@contextmanager
def quiet_feature_names() -> Iterator[None]:
    """Silence exactly scikit-learn's feature-name warnings while the model predicts.

    govkit hands a model its columns in the fitted order (``feature_names_in_``) or the order the user
    gave (``--features``), so for a model fitted on arrays the names it warns about are known to be
    right; the warning would only leak into the user's output and, under ``-W error``, stop the audit.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X has feature names", category=UserWarning)
        warnings.filterwarnings("ignore", message="X does not have valid feature names", category=UserWarning)
        yield
