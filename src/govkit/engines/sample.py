"""The sampling rule every engine shares: the rows with the smallest keys (bottom-k).

A row's key is a 64-bit hash of (seed, its row id) when a ``--row-id`` column is given, else of
(seed, its position in the table). Computed by the same pandas function on every engine (Spark runs
it in its Python workers), so given a row id the stream and Spark engines pick the very same rows,
whatever the files' order or partitioning. Without a row id, a row's position is the order in which
the engine read it: the file's order for the stream engine, Spark's partition order for Spark.

The sample keeps the table's order (rows sorted by position), and when the table has at most
``k`` rows it is the whole table, so every engine then audits exactly what the in-memory engine does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

SAMPLE_RULE = "bottom-k of a 64-bit hash of (seed, row id or position)"
KEY_COLUMN = "__govkit_key"
POSITION_COLUMN = "__govkit_position"


def row_keys(values: pd.Series | np.ndarray, seed: int) -> np.ndarray:
    """A uint64 key per value: pandas' hash of the value, mixed with the seed and hashed again."""
    import numpy as np
    import pandas as pd

    hashed = pd.util.hash_pandas_object(pd.Series(values), index=False).to_numpy(dtype=np.uint64)
    mixed = hashed ^ np.uint64((seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % (1 << 64))
    return np.asarray(pd.util.hash_array(mixed), dtype=np.uint64)


def bottom_positions(rows: int, k: int, seed: int, chunk: int = 1 << 20) -> np.ndarray:
    """The positions (sorted) of the ``k`` rows of ``rows`` with the smallest (key, position), keyed by
    position: the rows ``BottomK`` keeps when no row id is given, found without reading any row."""
    import numpy as np

    kept_keys = np.empty(0, dtype=np.int64)
    kept = np.empty(0, dtype=np.int64)
    for start in range(0, rows, chunk):
        positions = np.arange(start, min(rows, start + chunk), dtype=np.int64)
        keys = np.concatenate([kept_keys, signed(row_keys(positions, seed))])
        positions = np.concatenate([kept, positions])
        order = np.lexsort((positions, keys))[:k]
        kept_keys, kept = keys[order], positions[order]
    return np.sort(kept)


def signed(keys: np.ndarray) -> np.ndarray:
    """The keys as int64 with their order kept (Spark has no unsigned 64-bit type)."""
    import numpy as np

    return (keys ^ np.uint64(1 << 63)).view(np.int64)


@dataclass
class BottomK:
    """The ``k`` rows with the smallest (key, position) seen so far, fed batch by batch."""

    k: int
    kept: list[pd.DataFrame] = field(default_factory=list)
    _rows: int = 0
    # the largest key kept after the last compaction: a row with a larger key can never be chosen
    _bound: int | None = None

    def add(self, frame: pd.DataFrame, keys: np.ndarray, positions: np.ndarray) -> None:
        """Offer a batch's rows (``frame`` aligned with ``keys`` and ``positions``)."""
        ordered = signed(keys)
        if self._bound is not None:
            # rows are offered in position order, so a key equal to the bound loses the tie too
            wanted = ordered < self._bound
            frame, ordered, positions = frame[wanted], ordered[wanted], positions[wanted]
        candidate = frame.assign(**{KEY_COLUMN: ordered, POSITION_COLUMN: positions})
        self.kept.append(candidate)
        self._rows += len(candidate)
        if self._rows > 2 * self.k:  # compact now and then, so memory stays about 2k rows
            self.kept = [self._smallest()]
            self._rows = len(self.kept[0])
            self._bound = int(self.kept[0][KEY_COLUMN].max())

    def result(self) -> pd.DataFrame:
        """The sample in the table's order, keys and positions dropped, indexed 0..n-1."""
        import pandas as pd

        chosen = self._smallest().sort_values(POSITION_COLUMN, kind="stable")
        return chosen.drop(columns=[KEY_COLUMN, POSITION_COLUMN]).reset_index(drop=True).pipe(pd.DataFrame)

    def _smallest(self) -> pd.DataFrame:
        import pandas as pd

        whole = pd.concat(self.kept, ignore_index=True) if len(self.kept) > 1 else self.kept[0]
        if len(whole) <= self.k:
            return whole
        return whole.sort_values([KEY_COLUMN, POSITION_COLUMN], kind="stable").iloc[: self.k]
