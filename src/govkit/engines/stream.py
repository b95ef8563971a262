"""The stream engine: Parquet or CSV read in batches, so memory is bounded by a batch and the sample.

Parquet is read with pyarrow's ``iter_batches`` and each batch converted with ``to_pandas``, the
conversion ``pandas.read_parquet`` uses. CSV is read with pandas in chunks, with the options of the
in-memory reader; a first pass settles every column's type over the whole file (a column that is
numbers in one chunk and text in another is text, as a whole-file read makes it), so each chunk is
typed as the whole file would be. The model predicts batch by batch; its outputs are kept (a few
numbers per row) so the counting checks' later passes read the data again but do not predict again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.context import Batch
from govkit.engines.arrow_types import column_kinds
from govkit.engines.options import EngineOptions
from govkit.engines.sample import SAMPLE_RULE, BottomK, bottom_positions, row_keys
from govkit.engines.table import Predictor, refuse_reserved
from govkit.inputs import coded, sha256_file
from govkit.inputs.files import GZIP_MAGIC, PARQUET_MAGIC, _head, _require_file, _where

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from govkit.context import Accumulator, PartialT, Predictions

# Partials are merged every this many batches, so a long file never holds thousands of partials.
MERGE_EVERY = 32


@dataclass
class StreamTable:
    """A Parquet or CSV file read in batches (``EngineTable``)."""

    path: Path
    name: str
    options: EngineOptions
    rows: int = 0
    columns: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    csv_types: dict[str, Any] | None = None  # CSV only: each column's type over the whole file

    @classmethod
    def open(cls, value: Any, role: str, option: str, options: EngineOptions) -> StreamTable:
        if not isinstance(value, (str, os.PathLike)):
            raise coded(
                "GK106",
                f"{role} data: the stream engine reads files; give the path of a Parquet or CSV file, or use "
                "--engine pandas for a DataFrame",
            )
        path = Path(value)
        _require_file(path, role, option)
        table = cls(path=path, name=path.name, options=options)
        if _head(path, 4) == PARQUET_MAGIC:
            table._open_parquet()
        else:
            table._open_csv()
        if table.rows == 0:
            raise coded("GK105", f"{_where(path)}: has a header but no rows; an audit needs data")
        refuse_reserved(table.columns, table.name)
        if options.row_id is not None and options.row_id not in table.columns:
            raise coded(
                "GK209",
                f"{table.name}: row id column {options.row_id!r} not found; fix --row-id (it names a column that "
                "identifies each row)",
            )
        table.files = {"path": str(path), "sha256": sha256_file(path)}
        return table

    def _open_parquet(self) -> None:
        import pyarrow.parquet as pq

        try:
            metadata = pq.read_metadata(self.path)
        except Exception as error:  # pyarrow raises many types for a damaged footer
            raise coded(
                "GK107", f"{_where(self.path)}: damaged Parquet file ({error}); copy or export it again"
            ) from None
        schema = metadata.schema.to_arrow_schema()
        self.rows, self.columns = metadata.num_rows, [str(name) for name in schema.names]
        self.kinds = column_kinds(schema, self.name)

    def _open_csv(self) -> None:
        import pyarrow as pa

        self.csv_types, self.rows = _csv_types(self.path, self.options.batch_rows)
        self.columns = list(self.csv_types)
        for frame in self._csv_chunks(limit=1):
            self.kinds = column_kinds(pa.Schema.from_pandas(frame, preserve_index=False), self.name)

    def frames(self) -> Iterator[tuple[pd.DataFrame, int]]:
        """(batch, position of its first row) for every batch, in the file's order."""
        import pandas as pd

        chunks = self._csv_chunks() if self.csv_types is not None else self._parquet_chunks()
        offset = 0
        for frame in chunks:
            frame.index = pd.RangeIndex(offset, offset + len(frame))
            yield frame, offset
            offset += len(frame)

    def _parquet_chunks(self) -> Iterator[pd.DataFrame]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        with pq.ParquetFile(self.path) as handle:
            for batch in handle.iter_batches(batch_size=self.options.batch_rows):
                yield pa.Table.from_batches([batch]).to_pandas()

    def _csv_chunks(self, limit: int | None = None) -> Iterator[pd.DataFrame]:
        assert self.csv_types is not None
        text = {column for column, kind in self.csv_types.items() if kind is str}
        for index, chunk in enumerate(_read_csv_chunks(self.path, self.options.batch_rows, text)):
            if limit is not None and index >= limit:
                return
            for column, kind in self.csv_types.items():
                if kind is not str and chunk[column].dtype != kind:
                    chunk[column] = chunk[column].astype(kind)
            yield chunk

    def sample(self) -> pd.DataFrame:
        try:
            return self._sample()
        finally:
            _release_arrow_memory()

    def _sample(self) -> pd.DataFrame:
        import numpy as np
        import pandas as pd

        if self.options.row_id is None:
            # keyed by position: the chosen positions follow from the row count, so each batch is filtered
            wanted = bottom_positions(self.rows, self.options.sample_rows, self.options.seed)
            parts = []
            for frame, offset in self.frames():
                low, high = np.searchsorted(wanted, [offset, offset + len(frame)])
                if high > low:
                    parts.append(frame.iloc[wanted[low:high] - offset])
            return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
        chosen = BottomK(self.options.sample_rows)
        for frame, offset in self.frames():
            positions = np.arange(offset, offset + len(frame), dtype=np.int64)
            chosen.add(frame, self._keys(frame, self.options.row_id), positions)
        return chosen.result()

    def _keys(self, frame: pd.DataFrame, row_id: str) -> np.ndarray:
        if frame[row_id].isna().any():
            raise coded(
                "GK209",
                f"{self.name}: row id column {row_id!r} has empty values; give a column with an id in every row",
            )
        return row_keys(frame[row_id], self.options.seed)

    def every_row(self, predictor: Predictor | None) -> StreamRows:
        return StreamRows(self, predictor)

    def describe(self) -> dict[str, Any]:
        import pyarrow

        return {
            "name": "arrow-stream",
            "version": f"pyarrow {pyarrow.__version__}",
            "batch_rows": self.options.batch_rows,
            "row_id": self.options.row_id,
            "sample_rule": SAMPLE_RULE,
            "sample_rows": self.options.sample_rows,
            "seed": self.options.seed,
        }


@dataclass
class StreamRows:
    """Every row of a ``StreamTable`` with the model's outputs, batch by batch (``RowSource``)."""

    table: StreamTable
    predictor: Predictor | None
    _outputs: list[Predictions] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.table.rows

    def accumulate(self, accumulator: Accumulator[PartialT]) -> PartialT:
        partials: list[PartialT] = []
        for index, (frame, offset) in enumerate(self.table.frames()):
            outputs = self._outputs_for(index, frame)
            labels = None if outputs is None else outputs.labels
            scores = None if outputs is None else outputs.scores
            partials.append(accumulator.update(Batch(frame=frame, labels=labels, scores=scores, offset=offset)))
            if len(partials) >= MERGE_EVERY:
                partials = [accumulator.merge(partials)]
        _release_arrow_memory()
        return accumulator.merge(partials)

    def release(self) -> None:
        self._outputs.clear()

    def _outputs_for(self, index: int, frame: pd.DataFrame) -> Predictions | None:
        if self.predictor is None:
            return None
        if index < len(self._outputs):
            return self._outputs[index]
        outputs = self.predictor(frame)
        # only what a Batch carries is kept: the class matrix is not needed to count
        from govkit.context import Predictions

        kept = Predictions(labels=outputs.labels, scores=outputs.scores)
        self._outputs.append(kept)
        return kept


def _release_arrow_memory() -> None:
    """Give the memory pyarrow's pool kept from a pass over the file back to the system: it would
    otherwise stay in this process (and in every worker forked from it) for the rest of the audit."""
    import pyarrow

    pyarrow.default_memory_pool().release_unused()


def _read_csv_chunks(path: Path, rows: int, text: set[str] | None = None) -> Iterator[pd.DataFrame]:
    """The CSV in chunks, read with the in-memory reader's options (columns in ``text`` kept as text)."""
    import pandas as pd

    compressed = _head(path, 2) == GZIP_MAGIC
    reader = pd.read_csv(
        path,
        compression="gzip" if compressed else None,
        encoding="utf-8-sig",
        on_bad_lines="error",
        chunksize=rows,
        dtype={column: str for column in text or ()},
    )
    with reader:
        yield from reader


def _csv_types(path: Path, rows: int) -> tuple[dict[str, Any], int]:
    """Each column's type over the whole file, and the number of rows: a first pass over the chunks.

    ``str`` marks a column read as text (it holds text in some chunk and numbers in another)."""
    import numpy as np

    seen: dict[str, set[str]] = {}
    count = 0
    for chunk in _read_csv_chunks(path, rows):
        count += len(chunk)
        for column, dtype in chunk.dtypes.items():
            seen.setdefault(str(column), set()).add(np.dtype(dtype).kind)
    types: dict[str, Any] = {}
    for column, kinds in seen.items():
        if kinds == {"O"} or kinds <= {"i"} or kinds <= {"f"} or kinds <= {"b"}:
            types[column] = next(iter(_dtype(kinds)))
        elif kinds <= {"i", "f"}:
            types[column] = np.dtype(np.float64)  # a chunk without a value in an integer column
        elif "O" in kinds and kinds - {"O", "f"}:
            types[column] = str  # numbers in one chunk, text in another: text, as written
        else:
            types[column] = np.dtype(object)  # booleans (or text) with chunks of missing values only
    return types, count


def _dtype(kinds: set[str]) -> list[Any]:
    import numpy as np

    kind = next(iter(kinds))
    return [np.dtype({"O": object, "i": np.int64, "f": np.float64, "b": bool}[kind])]
