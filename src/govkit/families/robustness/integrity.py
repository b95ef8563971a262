"""Data integrity: repeated rows, rows shared by the reference and current data, conflicting labels.

Rows are compared by a 64-bit hash of their values (pandas' ``hash_pandas_object``), after every
numeric column is read as float, so a column read as integers in one file and as floats in the other
still matches; other columns are hashed by value as they are (text, categories, or a mix, which pandas
hashes as text). Two different rows share a hash with probability about
n² / 2⁶⁴: negligible for any table that fits in memory.

Each column is hashed once per audit and the columns' hashes are combined as pandas combines them for
a frame (``pandas.core.util.hashing.combine_hash_arrays``), so duplicates, shared rows and conflicting
labels share the work, and no frame of the compared columns is built (building one copies every
numeric column into a single block: half the time at a million rows).
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


def column_hash(series: pd.Series) -> np.ndarray:
    """One 64-bit hash per value of ``series``: numbers as floats, anything else by value as it is."""
    import pandas as pd

    values = series.astype(float) if is_numeric(series) else series
    return pd.util.hash_pandas_object(values, index=False).to_numpy()


def combined(hashes: list[np.ndarray]) -> np.ndarray:
    """The columns' hashes combined into one per row, in order, as pandas combines a frame's columns."""
    import numpy as np

    if not hashes:
        return np.array([], dtype=np.uint64)
    multiplier = np.uint64(1000003)
    out = np.zeros_like(hashes[0]) + np.uint64(0x345678)
    for position, values in enumerate(hashes):
        remaining = len(hashes) - position
        out ^= values
        out *= multiplier
        multiplier += np.uint64(82520 + remaining + remaining)
    out += np.uint64(97531)
    return out


def row_hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One hash per row of ``frame[columns]``, equal for rows with equal values."""
    return combined([column_hash(frame[c]) for c in columns])


def _hashes(ctx: AuditContext, which: str, columns: list[str]) -> list[np.ndarray]:
    """Each column's hashes in the current or reference frame, computed once per audit."""
    frame = ctx.current if which == "current" else ctx.reference
    assert frame is not None

    def hashed(column: str) -> np.ndarray:
        return ctx.memo(("robustness.column_hash", which, column), lambda: column_hash(frame[column]))

    return [hashed(c) for c in columns]


def current_hashes(ctx: AuditContext, columns: list[str]) -> np.ndarray:
    """``row_hashes`` of the current data, computed once per set of columns (duplicates and shared rows share it)."""
    return ctx.memo(("robustness.row_hashes", tuple(columns)), lambda: combined(_hashes(ctx, "current", columns)))


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
    reference = combined(_hashes(ctx, "reference", columns))
    shared = int(pd.Series(current).isin(reference).sum())  # a hash set, no sort
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
    targets, _ = pd.factorize(label_text(truth[known].to_numpy()))
    rows_known = combined([hashes[known] for hashes in _hashes(ctx, "current", columns)])
    table = pd.DataFrame({"row": rows_known, "target": targets})
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
