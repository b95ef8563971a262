"""From a pipeline's transformed columns back to its input columns.

A scikit-learn Pipeline is explained in the space its final estimator sees; one-hot (and other
many-to-one) outputs are then summed back to the input column they came from. Summing preserves
each row's total, so the explanation still adds up to the model's output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


def source_columns(preprocessor: Any, input_columns: list[str], n_outputs: int) -> list[str]:
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


def aggregate(values: np.ndarray, sources: list[str], columns: list[str]) -> np.ndarray:
    """Sum transformed-column SHAP values into their input columns; each row's total is preserved."""
    import numpy as np

    if list(sources) == list(columns):
        return values
    index = {column: i for i, column in enumerate(columns)}
    out = np.zeros((values.shape[0], len(columns)))
    for j, source in enumerate(sources):
        out[:, index[source]] += values[:, j]
    return out
