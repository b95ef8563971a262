"""Schema differences: columns missing from one frame, or whose kind of values changed.

The schema check counts them over all columns; the column checks use the same answers to set aside
the requested columns that cannot be compared, and say why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from govkit.families.drift import prose
from govkit.results import Measurement

if TYPE_CHECKING:
    import pandas as pd

    from govkit.context import AuditContext

KindOf = Callable[[str, str], str]


def dtype_kind(series: pd.Series) -> str:
    """What a column holds, coarsely: numeric, boolean, text, datetime, mixed, or empty (all missing).

    Integers and floats are one kind on purpose: an integer column with one missing value is read as
    floats, which is not a change of type.
    """
    import pandas as pd
    from pandas.api import types

    if not series.notna().any():
        # checked first: a column of NaN is float64 to pandas, but holds no value to have a type
        return "empty"
    dtype = series.dtype
    if types.is_bool_dtype(dtype):
        return "boolean"
    if types.is_numeric_dtype(dtype):
        return "numeric"
    if types.is_datetime64_any_dtype(dtype):
        return "datetime"
    values: Any = dtype.categories if isinstance(dtype, pd.CategoricalDtype) else series
    inferred = types.infer_dtype(values, skipna=True)
    if inferred in ("string", "bytes"):
        return "text"
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        return "numeric"
    if inferred == "boolean":
        return "boolean"
    if inferred.startswith(("datetime", "date")):
        return "datetime"
    if inferred == "empty":
        return "empty"
    return "mixed"


def kind_lookup(ctx: AuditContext) -> KindOf:
    """``kind(which, column)`` for 'reference' or 'current', computed once per column per audit.

    Telling a column's kind scans it; the column checks, the schema check and the series checks all
    need the same answers, on the full frames.
    """
    assert ctx.reference is not None  # checked by run()
    frames = {"reference": ctx.reference, "current": ctx.current}

    def kind(which: str, column: str) -> str:
        return ctx.memo(("drift.kind", which, column), lambda: dtype_kind(frames[which][column]))

    return kind


def schema_differences(
    reference: pd.DataFrame, current: pd.DataFrame, kind: KindOf | None = None
) -> list[dict[str, str]]:
    """Every column missing from one frame, or whose kind of values changed, in reference order."""
    if kind is None:
        frames = {"reference": reference, "current": current}

        def kind(which: str, column: str) -> str:
            return dtype_kind(frames[which][column])

    differences: list[dict[str, str]] = []
    current_columns = set(current.columns)
    for column in reference.columns:
        if column not in current_columns:
            differences.append({"column": str(column), "problem": "missing in current"})
            continue
        problem = kind_change(kind("reference", column), kind("current", column))
        if problem:
            differences.append({"column": str(column), "problem": problem})
    reference_columns = set(reference.columns)
    differences += [
        {"column": str(column), "problem": "missing in reference"}
        for column in current.columns
        if column not in reference_columns
    ]
    return differences


def type_change(reference: pd.Series, current: pd.Series) -> str | None:
    return kind_change(dtype_kind(reference), dtype_kind(current))


def kind_change(before: str, after: str) -> str | None:
    # An all-missing column has no type to compare; the drift checks report it on its own.
    if before == after or "empty" in (before, after):
        return None
    return f"type changed from {before} to {after}"


def screen_columns(requested: list[str], ctx: AuditContext) -> tuple[list[tuple[str, str]], list[dict[str, str]]]:
    """The requested columns that can be compared, each with its dtype kind; and why the others cannot."""
    assert ctx.reference is not None  # checked by run()
    problems: list[dict[str, str]] = []
    candidates: list[tuple[str, str]] = []
    frames = (("reference", ctx.reference), ("current", ctx.current))
    kind_of = kind_lookup(ctx)
    for column in requested:
        missing = [which for which, frame in frames if column not in frame]
        if missing:
            problems.append({"column": column, "problem": "missing in " + " and ".join(missing)})
            continue
        change = kind_change(kind_of("reference", column), kind_of("current", column))
        if change:
            problems.append({"column": column, "problem": change})
            continue
        empty = [which for which, _ in frames if kind_of(which, column) == "empty"]
        if empty:
            problems.append({"column": column, "problem": "all values missing in " + " and ".join(empty)})
            continue
        kind = kind_of("reference", column)
        if kind == "datetime":
            problems.append({"column": column, "problem": "a datetime column, not tested for drift"})
            continue
        candidates.append((column, kind))
    return candidates, problems


def schema_measurement(ctx: AuditContext) -> Measurement:
    """``drift.schema_differences``: the number of columns missing from one frame or of changed kind."""
    assert ctx.reference is not None  # checked by run()
    differences = schema_differences(ctx.reference, ctx.current, kind_lookup(ctx))
    return Measurement(
        value=float(len(differences)),
        sample_size=len(ctx.current.columns),
        method="column names and types compared",
        details={"schema_differences": differences},
        summary=prose.schema_summary(differences),
    )
