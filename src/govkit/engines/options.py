"""An engine's settings: which engine, how large a sample, which column identifies a row."""

from __future__ import annotations

from dataclasses import dataclass, field

from govkit.inputs import coded

ENGINES = ("pandas", "stream", "spark")

# The sample the frame-reading checks see. The same as the drift family's own cap, so on the in-memory
# engine and on an engine the drift tests see at most this many rows.
DEFAULT_SAMPLE_ROWS = 200_000
# Rows per batch read by the stream engine: large enough that per-batch overhead vanishes, small
# enough that a batch of a wide table stays in the tens of megabytes.
DEFAULT_BATCH_ROWS = 65_536


@dataclass(frozen=True)
class EngineOptions:
    """``name``: pandas, stream or spark. ``sample_rows``: the frame-reading checks' sample. ``row_id``: a
    column identifying each row (the sample is then the same on every engine). ``spark_conf``: Spark
    settings (``--spark-conf``); ``spark_remote``: a Spark Connect URL (``sc://host:15002``)."""

    name: str = "pandas"
    sample_rows: int = DEFAULT_SAMPLE_ROWS
    batch_rows: int = DEFAULT_BATCH_ROWS
    row_id: str | None = None
    seed: int = 0
    spark_conf: dict[str, str] = field(default_factory=dict)
    spark_remote: str | None = None


def engine_options(
    name: str | EngineOptions | None,
    sample_rows: int | None = None,
    row_id: str | None = None,
    seed: int = 0,
    spark_conf: dict[str, str] | None = None,
    spark_remote: str | None = None,
    batch_rows: int | None = None,
) -> EngineOptions:
    """Checked settings for an engine (GK115 for an unknown engine or a sample of no rows); given settings
    (``EngineOptions``) are checked the same way, and take the audit's ``seed``."""
    if isinstance(name, EngineOptions):
        given = name
        return engine_options(
            given.name, given.sample_rows, given.row_id, seed, given.spark_conf, given.spark_remote, given.batch_rows
        )
    chosen = name or "pandas"
    if chosen not in ENGINES:
        raise coded(
            "GK115", f"engine {chosen!r} is not one of {', '.join(ENGINES)}; fix --engine (engine: in govkit.yaml)"
        )
    for option, rows in (("--sample-rows", sample_rows), ("batch_rows", batch_rows)):
        if rows is not None and rows < 1:
            raise coded("GK115", f"{option} is {rows}; give a number of rows of at least 1")
    if chosen == "pandas" and (spark_conf or spark_remote):
        raise coded("GK115", "--spark-conf and --spark-remote set up the Spark engine; add --engine spark")
    return EngineOptions(
        name=chosen,
        sample_rows=sample_rows or DEFAULT_SAMPLE_ROWS,
        batch_rows=batch_rows or DEFAULT_BATCH_ROWS,
        row_id=row_id,
        seed=seed,
        spark_conf=dict(spark_conf or {}),
        spark_remote=spark_remote,
    )
