"""The Spark engine: the audit's counting runs on the executors, only partial counts come back.

A table is a Spark DataFrame (given to ``govkit.audit``), a Parquet or Delta path, or a table name.
Every row gets its position (``sample.POSITION_COLUMN``: partition offsets counted once, then
Spark's per-partition row number), so a row has the same position in every job. The model's outputs
are computed on the executors by ``mapInPandas`` with the preflight's ``Predictor`` (which loads the
model file's bytes with govkit's own loader: the sha256 pin, skops' trusted types and the pickle rule
hold there too) and kept with the rows (``persist``); each counting check then runs its
``Accumulator.update`` on every Arrow batch of every partition and returns one pickled partial per
partition, which the driver merges. Integer results are therefore the in-memory engine's exactly,
and float sums differ only in the order of additions.

The sample for the frame-reading checks is the bottom-k rule of ``sample`` run in Spark's Python
workers, then ``orderBy(key, position).limit(k)``: only those rows reach the driver.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.context import Batch
from govkit.engines.arrow_types import column_kinds
from govkit.engines.options import EngineOptions
from govkit.engines.partials import dump_partial, load_partial
from govkit.engines.sample import KEY_COLUMN, POSITION_COLUMN, SAMPLE_RULE, bottom_positions, row_keys, signed
from govkit.engines.session import spark_session
from govkit.engines.table import Predictor, refuse_reserved
from govkit.errors import GovkitError
from govkit.inputs import coded, sha256_file
from govkit.inputs.files import PARQUET_MAGIC, _head

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from govkit.context import Accumulator, PartialT

LABEL_COLUMN = "__govkit_label"
SCORE_COLUMN = "__govkit_score"
_ERROR = re.compile(r"<govkit-error (GK\d{3})>(.*?)</govkit-error>", re.S)


@dataclass
class SparkTable:
    """A Spark DataFrame with every row's position (``EngineTable``)."""

    frame: Any
    name: str
    options: EngineOptions
    rows: int = 0
    partitions: int = 0
    columns: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    @classmethod
    def open(cls, value: Any, role: str, option: str, options: EngineOptions) -> SparkTable:
        from govkit.engines import is_spark_frame

        if is_spark_frame(value):
            frame, name, files = value, f"{role} Spark DataFrame", dict[str, str]()
        elif type(value).__module__.startswith("pandas") and type(value).__name__ == "DataFrame":
            # a small pandas table beside a Spark one (a reference sample, say) joins it on Spark, in its order
            frame, name, files = spark_session(options).createDataFrame(value), f"{role} DataFrame", dict[str, str]()
        elif isinstance(value, (str, os.PathLike)):
            frame, name, files = _read(spark_session(options), str(value), option)
        else:
            raise coded(
                "GK106",
                f"{role} data: a {type(value).__name__} is not a table for --engine spark; give a Spark or pandas "
                "DataFrame, a Parquet or Delta path, or a table name",
            )
        table = cls(frame=frame, name=name, options=options, files=files)
        table.columns = [str(column) for column in frame.columns]
        refuse_reserved(table.columns, name)
        if options.row_id is not None and options.row_id not in table.columns:
            raise coded(
                "GK209",
                f"{name}: row id column {options.row_id!r} not found; fix --row-id (it names a column that "
                "identifies each row)",
            )
        from pyspark.sql.pandas.types import to_arrow_schema

        table.kinds = column_kinds(to_arrow_schema(frame.schema), name)
        table._number_rows()
        if table.rows == 0:
            raise coded("GK105", f"{name}: has no rows; an audit needs data")
        return table

    def _number_rows(self) -> None:
        """Add every row's position: partition offsets from one count, then the row number in its partition."""
        from pyspark.sql import functions as F

        partition = F.spark_partition_id()
        counts = dict(self.frame.select(partition.alias("p")).groupBy("p").count().collect())
        self.partitions = max(counts, default=-1) + 1
        offsets, total = [], 0
        for index in range(self.partitions):
            offsets.append(total)
            total += counts.get(index, 0)
        self.rows = total
        # monotonically_increasing_id is (partition << 33) + the row's number within its partition
        within = F.monotonically_increasing_id() - F.shiftleft(partition.cast("long"), 33)
        start = F.element_at(F.array(*[F.lit(o) for o in offsets or [0]]).cast("array<long>"), partition + 1)
        self.frame = self.frame.withColumn(POSITION_COLUMN, start + within)

    def sample(self) -> pd.DataFrame:
        from pyspark.sql import functions as F

        frame = self.frame
        seed, row_id = self.options.seed, self.options.row_id
        if self.rows > self.options.sample_rows and row_id is None:
            # keyed by position: the chosen positions are known from the row count alone, so one
            # semi-join picks the rows (no Python pass over every row, no sort)
            import pandas as pd

            positions = bottom_positions(self.rows, self.options.sample_rows, seed)
            wanted = frame.sparkSession.createDataFrame(pd.DataFrame({POSITION_COLUMN: positions}))
            frame = frame.join(F.broadcast(wanted), on=POSITION_COLUMN, how="left_semi")
        elif self.rows > self.options.sample_rows:
            assert row_id is not None
            keyed = frame.withColumn(KEY_COLUMN, _key_udf(seed)(F.col(row_id)))
            if keyed.where(F.col(row_id).isNull()).limit(1).count():
                raise coded(
                    "GK209",
                    f"{self.name}: row id column {row_id!r} has empty values; give a column with an id in every row",
                )
            frame = keyed.orderBy(KEY_COLUMN, POSITION_COLUMN).limit(self.options.sample_rows).drop(KEY_COLUMN)
        with _errors_from_executors():
            chosen = frame.toPandas()
        chosen = chosen.sort_values(POSITION_COLUMN, kind="stable").drop(columns=[POSITION_COLUMN])
        return chosen.reset_index(drop=True)

    def every_row(self, predictor: Predictor | None) -> SparkRows:
        return SparkRows.predicted(self, predictor)

    def describe(self) -> dict[str, Any]:
        spark = self.frame.sparkSession
        return {
            "name": "spark",
            "version": f"spark {spark.version}",
            "partitions": self.partitions,
            "row_id": self.options.row_id,
            "sample_rule": SAMPLE_RULE
            + ("" if self.options.row_id else "; positions in the order Spark read the partitions"),
            "sample_rows": self.options.sample_rows,
            "seed": self.options.seed,
        }


def _read(spark: Any, value: str, option: str) -> tuple[Any, str, dict[str, str]]:
    """A path (Parquet file or folder, Delta folder) or a table name as a DataFrame, its name, its file."""
    local = Path(value)
    looks_like_path = "/" in value or "\\" in value or ":" in value or local.exists()
    name = value  # a path in full (s3://bucket/current/ says more than "current"), or a table name
    try:
        if not looks_like_path:
            return spark.table(value), name, {}
        if local.is_file() and _head(local, 4) != PARQUET_MAGIC:
            raise coded(
                "GK106",
                f"{name}: --engine spark reads Parquet or Delta (or a table name); convert the file to Parquet, or "
                "audit it with --engine stream",
            )
        if (local / "_delta_log").is_dir():
            return spark.read.format("delta").load(value), name, {}
        files = {"path": str(local), "sha256": sha256_file(local)} if local.is_file() else {}
        return spark.read.parquet(value), name, files
    except GovkitError:
        raise
    except Exception as error:  # Spark's analysis errors: a missing path or table, a bad format
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise coded("GK101", f"{name}: Spark cannot read it ({first[:300]}); fix {option}") from None


def _key_udf(seed: int) -> Any:
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    def keys(values: pd.Series) -> pd.Series:
        return pd.Series(signed(row_keys(values, seed)))

    # pyspark reads the UDF's kind from its type hints, which must be classes, not postponed strings
    keys.__annotations__ = {"values": pd.Series, "return": pd.Series}
    return pandas_udf(keys, "long")  # type: ignore[call-overload]


def _spark_type(labels: np.ndarray) -> Any:
    """The Spark type that carries these predicted labels back unchanged."""
    from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType

    kind = labels.dtype.kind
    return {"i": LongType(), "u": LongType(), "f": DoubleType(), "b": BooleanType()}.get(kind, StringType())


@dataclass
class SparkRows:
    """Every row of a ``SparkTable`` with the model's outputs, persisted on the executors (``RowSource``)."""

    table: SparkTable
    frame: Any
    label_dtype: Any = None
    has_scores: bool = False

    @classmethod
    def predicted(cls, table: SparkTable, predictor: Predictor | None) -> SparkRows:
        from pyspark import StorageLevel

        if predictor is None:
            return cls(table=table, frame=table.frame.persist(StorageLevel.MEMORY_AND_DISK))
        # the outputs' types, from a few rows on the driver
        probe = predictor(table.frame.limit(50).toPandas().drop(columns=[POSITION_COLUMN]))
        from pyspark.sql.types import DoubleType, StructField, StructType

        label_type = _spark_type(probe.labels)
        extra = [StructField(LABEL_COLUMN, label_type), StructField(SCORE_COLUMN, DoubleType())]
        schema = StructType([*table.frame.schema.fields, *extra])
        outputs = table.frame.mapInPandas(_predict_batches(predictor), schema)
        has_scores = probe.scores is not None
        persisted = outputs.persist(StorageLevel.MEMORY_AND_DISK)
        return cls(table=table, frame=persisted, label_dtype=probe.labels.dtype, has_scores=has_scores)

    @property
    def rows(self) -> int:
        return self.table.rows

    def release(self) -> None:
        self.frame.unpersist()

    def accumulate(self, accumulator: Accumulator[PartialT]) -> PartialT:
        count = _count_batches(accumulator, self.label_dtype, self.has_scores)
        with _errors_from_executors():
            blobs = self.frame.mapInPandas(count, "partial binary").collect()
        # pickled by govkit's code on the executors, but they crossed the cluster: read back by an
        # unpickler that builds only the names a partial holds (engines/partials.py)
        return accumulator.merge([load_partial(row.partial) for row in blobs])


def _predict_batches(predictor: Predictor) -> Any:
    """The executor-side function adding the label and score columns to every batch."""

    def predict(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import numpy as np
        import pandas as pd

        for batch in batches:
            with _errors_to_driver():
                frame = batch.drop(columns=[POSITION_COLUMN]).reset_index(drop=True)
                outputs = predictor(frame) if len(frame) else None
            labels = pd.Series([], dtype=object) if outputs is None else outputs.labels
            scores = None if outputs is None else outputs.scores  # NaN in the column when the model has none
            yield batch.assign(**{LABEL_COLUMN: labels, SCORE_COLUMN: scores if scores is not None else np.nan})

    return predict


def _count_batches(accumulator: Accumulator[Any], label_dtype: Any, has_scores: bool) -> Any:
    """The executor-side function: ``accumulator.update`` per batch, one merged partial per partition."""

    def count(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        partials = []
        for batch in batches:
            if len(batch) == 0:
                continue
            with _errors_to_driver():
                partials.append(accumulator.update(_as_batch(batch, label_dtype, has_scores)))
        if partials:
            yield pd.DataFrame({"partial": [dump_partial(accumulator.merge(partials))]})

    return count


def _as_batch(batch: pd.DataFrame, label_dtype: Any, has_scores: bool) -> Batch:
    import numpy as np
    import pandas as pd

    positions = batch[POSITION_COLUMN].to_numpy()
    offset = int(positions[0])
    if int(positions[-1]) - offset != len(positions) - 1:
        raise RuntimeError("rows of a Spark batch are not consecutive; repartitioning broke the row order")
    labels = None
    if LABEL_COLUMN in batch.columns:
        labels = batch[LABEL_COLUMN].to_numpy()
        if label_dtype is not None and label_dtype.kind in "iufb":
            labels = labels.astype(label_dtype)
    scores = batch[SCORE_COLUMN].to_numpy(dtype=np.float64) if has_scores else None
    helpers = [c for c in (POSITION_COLUMN, LABEL_COLUMN, SCORE_COLUMN) if c in batch.columns]
    frame = batch.drop(columns=helpers)
    frame.index = pd.RangeIndex(offset, offset + len(frame))
    return Batch(frame=frame, labels=labels, scores=scores, offset=offset)


@contextmanager
def _errors_to_driver() -> Iterator[None]:
    """On an executor: a govkit error travels to the driver as a tagged message (Spark wraps exceptions)."""
    try:
        yield
    except GovkitError as error:
        code = getattr(error, "code", None) or "GK307"
        raise RuntimeError(f"<govkit-error {code}>{error}</govkit-error>") from None


@contextmanager
def _errors_from_executors() -> Iterator[None]:
    """On the driver: an executor's tagged govkit error becomes that error again, one line."""
    try:
        yield
    except GovkitError:
        raise
    except Exception as error:
        found = _ERROR.search(str(error))
        if found is None:
            raise
        raise coded(found.group(1), found.group(2).strip()) from None
