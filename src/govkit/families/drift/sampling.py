"""Seeded samples of the rows, for speed on large data; every sample is recorded in the audit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

    # Series.sample draws positions from the length alone, exactly as DataFrame.sample does; the
    # series of positions is indexed by the positions themselves
    positions = pd.RangeIndex(len(frame)).to_series().sample(n=max_rows, random_state=ctx.seed).index
    return frame.iloc[positions, frame.columns.get_indexer(pd.Index(columns))]
