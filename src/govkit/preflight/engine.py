"""Preflight on an engine: the tables opened where they live, their samples as the context's frames,
and every row attached (``AuditContext.source``) once the predictions are decided.

The pandas engine is the default. A Spark DataFrame given as data selects the Spark engine; a Parquet
data file too large for memory selects the stream engine (said in the provenance), instead of GK112.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.engines import EngineOptions, is_spark_frame, open_table
from govkit.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from govkit.context import AuditContext
    from govkit.engines.table import EngineTable


@dataclass
class EngineTables:
    """The current and reference tables on an engine, and why that engine was chosen."""

    options: EngineOptions
    current: EngineTable
    reference: EngineTable | None
    reason: str | None = None  # set when govkit chose the engine itself
    notes: list[str] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        """The engine as provenance records it."""
        described = self.current.describe()
        described["current"] = self.current.name  # a table or folder has no single file to hash
        described["current_rows"] = self.current.rows
        if self.reference is not None:
            described["reference"] = self.reference.name
            described["reference_rows"] = self.reference.rows
        if self.reason:
            described["chosen_because"] = self.reason
        return described


def chosen_engine(data: Any, options: EngineOptions | None) -> EngineOptions:
    """The engine to run on: the one asked for, Spark for a Spark DataFrame, else pandas."""
    options = options or EngineOptions()
    if options.name == "pandas" and is_spark_frame(data):
        return replace(options, name="spark")
    return options


def open_tables(data: Any, reference: Any, options: EngineOptions, reason: str | None = None) -> EngineTables:
    """Both tables opened on ``options.name`` (no rows read but a count and the schema)."""
    current = open_table(data, "current", "--data", options)
    other = None if reference is None else open_table(reference, "reference", "--reference", options)
    return EngineTables(options=options, current=current, reference=other, reason=reason)


def too_large_for_memory(error: InputError, data: Any) -> bool:
    """True when reading the tables into memory was refused (GK112) and ``data`` is a Parquet file, which
    the stream engine reads in batches instead."""
    from govkit.inputs.files import PARQUET_MAGIC, _head

    if getattr(error, "code", None) != "GK112" or not isinstance(data, (str, os.PathLike)):
        return False
    return Path(data).is_file() and _head(Path(data), 4) == PARQUET_MAGIC


def sampled_frames(
    tables: EngineTables, ctx_seed: int
) -> tuple[pd.DataFrame, pd.DataFrame | None, list[dict[str, Any]]]:
    """Each table's sample, and the sampling records the report shows for those that are not whole."""
    records: list[dict[str, Any]] = []
    frames: list[pd.DataFrame | None] = []
    for role, table in (("current", tables.current), ("reference", tables.reference)):
        if table is None:
            frames.append(None)
            continue
        frame = table.sample()
        frames.append(frame)
        if len(frame) < table.rows:
            records.append(
                {"family": "engine", "what": f"{role} rows read by the checks that need the rows themselves",
                 "population": table.rows, "sample": len(frame), "seed": ctx_seed}
            )  # fmt: skip
    current = frames[0]
    assert current is not None
    return current, frames[1], records


def attach_rows(ctx: AuditContext, tables: EngineTables, predictor: Any) -> None:
    """Every current row, with ``predictor``'s outputs, becomes the context's source for the counting checks."""
    ctx.source = tables.current.every_row(predictor)
