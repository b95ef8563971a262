"""What an engine gives the audit for one table: its shape, a deterministic sample, and every row."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from govkit.inputs import coded

if TYPE_CHECKING:
    import pandas as pd

    from govkit.context import Predictions, RowSource

# The model's (or the prediction columns') outputs for any batch of rows; ``None`` when the audit has
# no predictions. Built by preflight, shipped to Spark's executors, so it must pickle.
Predictor = Callable[["pd.DataFrame"], "Predictions"]

# Columns an engine adds to a table while it works; a table holding one of these names is refused.
RESERVED_PREFIX = "__govkit_"


class EngineTable(Protocol):
    """One table (current or reference data) on an engine."""

    name: str  # how messages and the report name the table
    rows: int
    columns: list[str]
    kinds: dict[str, str]  # column -> govkit column kind (``arrow_types.column_kind``)
    files: dict[str, str]  # path and sha256 of a single file read, for provenance; empty otherwise

    def sample(self) -> pd.DataFrame:
        """At most ``sample_rows`` rows chosen by ``sample.SAMPLE_RULE``, in the table's order."""
        ...

    def every_row(self, predictor: Predictor | None) -> RowSource:
        """Every row with ``predictor``'s outputs, for ``AuditContext.accumulate``."""
        ...

    def describe(self) -> dict[str, Any]:
        """What provenance records about the engine that read this table."""
        ...


def refuse_reserved(columns: list[str], name: str) -> None:
    """GK116 for a column whose name an engine would overwrite with its own working columns."""
    reserved = [column for column in columns if column.startswith(RESERVED_PREFIX)]
    if reserved:
        raise coded(
            "GK116",
            f"{name}: column {reserved[0]!r} uses the prefix {RESERVED_PREFIX!r}, which govkit's engines reserve; "
            "rename the column",
        )
