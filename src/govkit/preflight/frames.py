"""Reading the current and reference frames and checking the columns the user named.

Every problem here is one line with a stable GK code that names the file and column and says how to fix it.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.errors import InputError
from govkit.inputs import (
    MEMORY_GUARD_ENV,
    available_memory,
    coded,
    duplicate_columns_error,
    duplicate_headers,
    human_size,
    memory_guard_enabled,
    read_table,
    sha256_file,
)

if TYPE_CHECKING:
    import pandas as pd

# Memory an audit needs beyond the frames themselves, in multiples of their size. Measured: the peak
# is drift's per-column conversion for evidently, about 1.3x the data at 150k rows x 18 columns (it
# samples above max_rows); the rest stays under 0.3x. 2 leaves a margin for the allocator.
PEAK_COPIES = 2


def show_value(value: Any, limit: int = 40) -> str:
    """A value or column name for a one-line message: quoted, escaped, shortened."""
    text = repr(str(value))
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def show_values(values: Any, count: int = 10) -> str:
    values = list(values)
    return ", ".join(show_value(v) for v in values[:count]) + (", ..." if len(values) > count else "")


def read_frame(value: Any, role: str, option: str, files: dict[str, dict[str, str]]) -> tuple[pd.DataFrame, str]:
    """A DataFrame from a path or a DataFrame; returns it with the name used in messages."""
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        where = f"{role} DataFrame"
        names = [str(c) for c in value.columns]
        # str() also catches 1 and '1', which are two columns to pandas and one to every report
        duplicates = duplicate_headers(names)
        if duplicates:
            raise duplicate_columns_error(where, duplicates)
        if not names:
            raise coded("GK104", f"{where}: has no columns; an audit needs data")
        if len(value) == 0:
            raise coded("GK105", f"{where}: has no rows; an audit needs data")
        frame = value.copy(deep=False)
        frame.columns = names
        # A repeated index (common after pd.concat) would misalign anything built from the columns.
        frame.index = pd.RangeIndex(len(frame))
        return frame, f"{role} data"
    if not isinstance(value, (str, os.PathLike)):
        raise coded(
            "GK106",
            f"{role} data: a {type(value).__name__} is not a table; give a pandas DataFrame or the path of "
            "a CSV or Parquet file",
        )
    path = Path(value)
    frame = read_table(path, role=role, option=option)
    files[role] = {"path": str(path), "sha256": sha256_file(path)}
    return frame, path.name


def missing_column_error(where: str, column: str, columns: list[str], what: str, option: str) -> InputError:
    close = difflib.get_close_matches(column, columns, n=1, cutoff=0.6)
    hint = f" (did you mean {show_value(close[0])}?)" if close else ""
    shown = ", ".join(show_value(c)[1:-1] for c in columns[:12]) + (", ..." if len(columns) > 12 else "")
    return coded(
        "GK201", f"{where}: {what} column {show_value(column)} not found{hint}; fix {option} (columns: {shown})"
    )


def frame_bytes(frame: pd.DataFrame) -> int:
    """The memory a frame holds, strings included, estimated from at most 1000 evenly spaced rows."""
    rows = len(frame)
    if rows == 0:
        return 0
    step = max(1, rows // 1000)
    sample = frame.iloc[::step]
    return int(sample.memory_usage(index=False, deep=True).sum() * rows / len(sample))


def guard_memory(given: list[tuple[pd.DataFrame | None, str]]) -> None:
    """Stop before the engines run out of memory half-way (the OS would kill govkit without a word)."""
    frames = [(frame, name) for frame, name in given if frame is not None]
    if not memory_guard_enabled():
        return
    available = available_memory()
    if available is None:
        return
    sizes = [(frame_bytes(frame), name) for frame, name in frames]
    needed = sum(size for size, _ in sizes) * PEAK_COPIES
    if needed > available:
        largest = max(sizes)
        raise coded(
            "GK112",
            f"{largest[1]}: the audit would need about {human_size(needed)} of memory for "
            f"{human_size(sum(s for s, _ in sizes))} of data, but only {human_size(available)} is free; audit a sample "
            f"of the rows, or set {MEMORY_GUARD_ENV}=off to try anyway",
        )


def _distinct_roles(target: str | None, prediction: str | None, probability: str | None) -> None:
    """The target, predictions and probabilities are three different columns."""
    roles = [("--target", target), ("--prediction-column", prediction), ("--probability-column", probability)]
    given = [(option, column) for option, column in roles if column is not None]
    for i, (first, column) in enumerate(given):
        for second, other in given[i + 1 :]:
            if column == other:
                raise coded(
                    "GK202",
                    f"{first} and {second} both name column {show_value(column)}; each needs its own column",
                )


def check_columns(
    current: pd.DataFrame,
    current_name: str,
    target: str | None,
    sensitive: list[str],
    prediction_column: str | None,
    probability_column: str | None,
) -> None:
    """Every column the user named exists, and target, predictions and probabilities are distinct."""
    columns = list(current.columns)
    if target is not None and target not in current.columns:
        raise missing_column_error(current_name, target, columns, "target", "--target")
    for column in sensitive:
        if column not in current.columns:
            raise missing_column_error(current_name, column, columns, "sensitive", "--sensitive")
    for named, option in (
        (prediction_column, "--prediction-column"),
        (probability_column, "--probability-column"),
    ):
        if named is not None and named not in current.columns:
            raise missing_column_error(current_name, named, columns, "prediction", option)
    _distinct_roles(target, prediction_column, probability_column)
