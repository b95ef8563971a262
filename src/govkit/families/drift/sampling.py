"""Seeded samples of the rows, for speed on large data; every sample is recorded in the audit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.context import seeded_positions

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from govkit.context import AuditContext

FAMILY = "drift"  # the family's NAME, as the audit records its samples


def limited(frame: Any, max_rows: int | None, ctx: AuditContext, what: str) -> Any:
    """The frame (or series) itself, or a seeded sample of ``max_rows`` rows, recorded in the audit."""
    if max_rows is None or len(frame) <= max_rows:
        return frame
    ctx.record_sampling(FAMILY, what, len(frame), max_rows, ctx.seed)
    return frame.sample(n=max_rows, random_state=ctx.seed)


def limited_rows(
    frame: pd.DataFrame, columns: list[str], max_rows: int | None, ctx: AuditContext, what: str
) -> pd.DataFrame:
    """``frame[columns]`` on the same seeded rows ``limited`` would pick, without copying every row first."""
    if max_rows is None or len(frame) <= max_rows:
        return frame[columns]
    ctx.record_sampling(FAMILY, what, len(frame), max_rows, ctx.seed)
    import pandas as pd

    positions = seeded_positions(len(frame), max_rows, ctx.seed)
    return frame.iloc[positions, frame.columns.get_indexer(pd.Index(columns))]


def limited_values(
    values: np.ndarray, rows: np.ndarray | None, length: int, max_rows: int | None, ctx: AuditContext, what: str
) -> pd.Series:
    """``limited(pd.Series(all_values))`` for a series of ``length`` values of which only those at the
    positions ``rows`` are held (``values[i]`` is the value at ``rows[i]``; None: every value, in order).

    The model's outputs on a large reference frame are computed for the rows the checks sample only
    (``Predictions.rows``); the sample picks the same positions, so the series is the one ``limited``
    would return from every row's outputs, index and order included.
    """
    import numpy as np
    import pandas as pd

    if rows is None:
        return limited(pd.Series(values), max_rows, ctx, what)
    if max_rows is None or length <= max_rows:
        raise ValueError(f"{what}: the model predicted {len(rows)} of {length} rows and every row is needed")
    positions = seeded_positions(length, max_rows, ctx.seed)
    where = np.minimum(np.searchsorted(rows, positions), max(len(rows) - 1, 0))
    if len(rows) == 0 or not np.array_equal(rows[where], positions):
        raise ValueError(f"{what}: the model did not predict every row this sample of {max_rows} needs")
    ctx.record_sampling(FAMILY, what, length, max_rows, ctx.seed)
    return pd.Series(np.asarray(values)[where], index=pd.Index(positions))
