"""Engines: where the audited rows live, when they are not one pandas frame in memory.

``pandas`` (the default) reads each table into memory. ``stream`` reads Parquet or CSV in Arrow
batches with bounded memory; ``spark`` runs on a Spark DataFrame (a Parquet or Delta path, a table
name, or a DataFrame given to ``govkit.audit``). Both give the audit two things (``EngineTable``):

- a deterministic **sample** of at most ``sample_rows`` rows, in the data's order, for the checks that
  read a frame (data quality, drift, explanations, robustness). When the data has no more rows than
  that, the sample is the data, so every check sees what the in-memory engine sees.
- **every row**, in batches with the model's outputs (a ``RowSource``, the ``AuditContext.source``), for
  the counting checks (fairness; performance's confusion matrix, losses, ranking areas, calibration and
  error sums), which run the families' ``Accumulator``s where the rows are and merge the partial counts
  (``partials``: how they come back from Spark).

Modules: ``options`` (the engine's settings), ``arrow_types`` (Arrow types to govkit's column kinds,
one function for every engine), ``sample`` (the sampling rule both engines share), ``table`` (what an
engine gives for one table), ``stream`` and ``spark`` (the two engines), ``session`` (a Spark session
from the user's settings), ``partials`` (accumulator partials read back from Spark, names restricted).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.engines.options import ENGINES, EngineOptions

if TYPE_CHECKING:
    from govkit.engines.table import EngineTable

__all__ = ["ENGINES", "EngineOptions", "is_spark_frame", "open_table"]


def is_spark_frame(value: Any) -> bool:
    """True for a pyspark DataFrame (classic or Spark Connect), without importing pyspark."""
    module = type(value).__module__
    return module.startswith("pyspark.sql") and type(value).__name__ == "DataFrame"


def open_table(value: Any, role: str, option: str, options: EngineOptions) -> EngineTable:
    """The table ``value`` (a path, a table name or a Spark DataFrame) on the engine ``options.name``."""
    if options.name == "spark":
        from govkit.engines.spark import SparkTable

        return SparkTable.open(value, role, option, options)
    from govkit.engines.stream import StreamTable

    return StreamTable.open(value, role, option, options)
