"""Which columns the family looks at, and each column coded into a few named values for slicing.

A numeric column with more distinct values than bins is cut at the reference data's quantiles (the
current data's when there is no reference), so a slice means the same range whatever data is audited;
other columns keep their most frequent values, the rest pooled as "(other)". A missing value is its
own slice, "(missing)". Whether a numeric column has more distinct values than bins is judged on its
first 10,000 rows; a column judged wrongly is still sliced correctly, by value with the rare ones pooled.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from govkit.context import AuditContext

MISSING = "(missing)"
OTHER = "(other)"
DISTINCT_PROBE = 10_000  # rows looked at to decide whether a numeric column is binned or sliced by value


@dataclass(frozen=True)
class Coded:
    """A column as integer codes per row (0..len(labels)-1) and each code's name."""

    column: str
    codes: np.ndarray
    labels: list[str]


def input_columns(ctx: AuditContext) -> list[str]:
    """The model's inputs; without a model, every column but the target and the prediction columns."""
    roles = {ctx.target, ctx.prediction_column, ctx.probability_column}
    columns = ctx.features or [c for c in ctx.current.columns if c not in roles]
    return [c for c in columns if c not in roles and c in ctx.current.columns]


def like(values: pd.Series, column: pd.Series) -> pd.Series:
    """``values`` (changed cells of ``column``) back in ``column``'s dtype, so the model sees the inputs it was
    trained on: a ``category`` column stays categorical with its categories in their order (new values are
    added after them), as LightGBM, XGBoost and CatBoost read native categoricals by category code."""
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        known = set(column.cat.categories)
        new = [v for v in pd.unique(values.dropna()) if v not in known]
        return values.astype(column.cat.add_categories(new).dtype if new else column.dtype)
    if values.dtype == column.dtype:
        return values
    try:
        return values.astype(column.dtype)
    except (TypeError, ValueError):
        return values


def is_numeric(column: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column))


def _edge_text(value: float) -> str:
    return f"{value:.4g}"


def _numeric(name: str, current: pd.Series, reference: pd.Series, bins: int) -> Coded:
    import numpy as np

    quantiles = np.linspace(0, 1, bins + 1)[1:-1]
    edges = np.unique(np.nanquantile(reference.to_numpy(dtype=float), quantiles))
    values = current.to_numpy(dtype=float)
    codes = np.searchsorted(edges, values, side="right").astype(np.int64)
    labels = [f"< {_edge_text(edges[0])}"]
    labels += [f"{_edge_text(low)} to {_edge_text(high)}" for low, high in itertools.pairwise(edges)]
    labels.append(f"≥ {_edge_text(edges[-1])}")
    missing = np.isnan(values)
    if missing.any():
        codes[missing] = len(labels)
        labels.append(MISSING)
    return Coded(column=name, codes=codes, labels=labels)


def _categorical(name: str, current: pd.Series, max_values: int) -> Coded:
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(current, use_na_sentinel=True)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    order = np.argsort(-counts, kind="stable")[:max_values]
    labels = [str(uniques[i]) for i in order]
    remap = np.full(len(uniques) + 1, -1, dtype=np.int64)  # the last slot is a missing value's code, -1
    remap[order] = np.arange(len(order))
    coded = remap[codes]
    for missing, label in ((codes < 0, MISSING), ((codes >= 0) & (coded < 0), OTHER)):
        if missing.any():
            coded[missing] = len(labels)
            labels.append(label)
    return Coded(column=name, codes=coded, labels=labels)


def _many_values(column: pd.Series, bins: int) -> bool:
    """More distinct values than bins (judged on the first rows: a full count costs a sort of the column)."""
    return bool(column.iloc[:DISTINCT_PROBE].nunique() > bins)


def code_column(name: str, current: pd.Series, reference: pd.Series | None, bins: int, max_values: int) -> Coded:
    """``current`` coded for slicing (numeric bins from ``reference`` when given)."""
    source = reference if reference is not None and is_numeric(reference) else current
    if is_numeric(current) and _many_values(current, bins) and source.notna().any():
        return _numeric(name, current, source, bins)
    return _categorical(name, current, max_values)
