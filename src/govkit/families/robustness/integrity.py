"""Data integrity: repeated rows, rows shared by the reference and current data, conflicting labels.

Rows are compared by a 64-bit hash of their values (pandas' ``hash_pandas_object``), after every
numeric column is read as float, so a column read as integers in one file and as floats in the other
still matches; other columns are hashed by value as they are (text, categories, or a mix, which pandas
hashes as text). Two different rows share a hash with probability about
n² / 2⁶⁴: negligible for any table that fits in memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.robustness.columns import input_columns, is_numeric
from govkit.families.robustness.outcomes import label_text
from govkit.results import Measurement

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from govkit.context import AuditContext
    from govkit.families.robustness.params import DuplicateParams


def row_hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One hash per row of ``frame[columns]``, equal for rows with equal values."""
    import pandas as pd

    normal = pd.DataFrame(
        {str(i): frame[c].astype(float) if is_numeric(frame[c]) else frame[c] for i, c in enumerate(columns)},
        index=pd.RangeIndex(len(frame)),
    )
    return pd.util.hash_pandas_object(normal, index=False).to_numpy()


def current_hashes(ctx: AuditContext, columns: list[str]) -> np.ndarray:
    """``row_hashes`` of the current data, computed once per set of columns (duplicates and shared rows share it)."""
    return ctx.memo(("robustness.row_hashes", tuple(columns)), lambda: row_hashes(ctx.current, columns))


def _data_columns(ctx: AuditContext) -> list[str]:
    roles = {ctx.prediction_column, ctx.probability_column}
    return [c for c in ctx.current.columns if c not in roles]


def duplicates(params: DuplicateParams, ctx: AuditContext) -> Measurement:
    """The share of current rows that repeat an earlier row."""
    import numpy as np
    import pandas as pd

    columns = (
        _data_columns(ctx) if params.columns == "all" else input_columns(ctx) + ([ctx.target] if ctx.target else [])
    )
    repeated = pd.Series(current_hashes(ctx, columns)).duplicated().to_numpy()
    count, rows = int(repeated.sum()), len(ctx.current)
    details: dict[str, Any] = {
        "rows": rows,
        "duplicates": count,
        "columns": params.columns,
        "compared_columns": len(columns),
        "examples": [int(i) for i in np.flatnonzero(repeated)[: params.examples]],
    }
    return Measurement(
        value=count / rows if rows else 0.0,
        sample_size=rows,
        method="rows hashed on " + ("every column" if params.columns == "all" else "model inputs and target"),
        details=details,
        summary=f"{count:,} of {rows:,} current rows repeat an earlier row.",
    )


def shared_rows(ctx: AuditContext) -> Measurement:
    """The share of current rows that also appear in the reference data."""
    import pandas as pd

    assert ctx.reference is not None  # declared input
    columns = [c for c in _data_columns(ctx) if c in ctx.reference.columns]
    if not columns:
        return Measurement(inconclusive_reason="the reference and current data have no column in common", details={})
    current = current_hashes(ctx, columns)
    shared = int(pd.Series(current).isin(row_hashes(ctx.reference, columns)).sum())  # a hash set, no sort
    rows = len(ctx.current)
    return Measurement(
        value=shared / rows if rows else 0.0,
        sample_size=rows,
        method="rows hashed on the columns both frames have",
        details={"rows": rows, "shared": shared, "reference_rows": len(ctx.reference), "compared_columns": columns},
        summary=f"{shared:,} of {rows:,} current rows also appear in the reference data.",
    )


def conflicting_labels(ctx: AuditContext) -> Measurement:
    """The share of labelled rows whose identical model inputs appear with another target value."""
    import pandas as pd

    columns = input_columns(ctx)
    truth = ctx.y_true
    known = truth.notna().to_numpy()
    frame = ctx.current[known]
    targets, _ = pd.factorize(label_text(truth[known].to_numpy()))
    table = pd.DataFrame({"row": row_hashes(frame, columns), "target": targets})
    # a group of identical inputs conflicts when its smallest and largest target codes differ
    by_row = table.groupby("row")["target"]
    conflicting = (by_row.transform("min") != by_row.transform("max")).to_numpy()
    groups = int(table.loc[conflicting, "row"].nunique())
    rows = len(table)
    details = {
        "rows": rows,
        "conflicting_rows": int(conflicting.sum()),
        "conflicting_groups": groups,
        "compared_columns": columns,
    }
    return Measurement(
        value=float(conflicting.mean()) if rows else 0.0,
        sample_size=rows,
        method="labelled rows grouped by a hash of their model inputs",
        details=details,
        summary=f"{int(conflicting.sum()):,} of {rows:,} labelled rows share their inputs with a row of another "
        f"target ({groups:,} groups).",
        inconclusive_reason=None if rows else "no row has a known target value",
    )
