"""Coding rows into cells and counting them: the one pass over the rows every fairness number comes from.

A *cell* is one combination of values of every sensitive column (the finest group). Each row is
coded into its cell, and each cell keeps six counts: labelled rows by (truth, decision) and
unlabelled rows by decision. Coarser groups (one column, or any subset of the columns) are sums of
cells, so one count serves every grouping, every metric and every bootstrap resample.

The counting is an ``Accumulator`` (``govkit.context``): ``CellCounter.update`` counts one batch of
rows, ``merge`` adds the counts of many batches cell by cell. The decision code reads only the
merged ``CellTable``, so an engine that feeds batches (Parquet, Spark partitions) gets the same
numbers and the same group labels as the in-memory engine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from govkit.context import AuditContext, Batch

MISSING_GROUP = "(missing)"

# The six counts kept per cell: labelled rows by (truth, decision), and unlabelled rows by decision.
CELLS = ("tn", "fp", "fn", "tp", "unlabelled_not_selected", "unlabelled_selected")

# The per-group rates, and what the report and the sentences call them.
RATE_NAMES = {
    "selection_rate": "selection rate",
    "tpr": "true positive rate",
    "fpr": "false positive rate",
    "fnr": "false negative rate",
    "precision": "precision",
    "accuracy": "accuracy",
}

# A cell's identity, one (is missing, value as text) pair per sensitive column. Tuples of these sort
# as the report orders groups: by text, the missing value last.
CellKey = tuple[tuple[bool, str], ...]


@dataclass(frozen=True)
class CellCounts:
    """Per-cell sums over some rows: the cells present, in key order, and a cells x width array."""

    keys: list[CellKey]
    sums: np.ndarray


def code_cells(frame: pd.DataFrame, columns: tuple[str, ...]) -> tuple[np.ndarray, list[CellKey]]:
    """For each row, the index of its cell among the cells present; and each present cell's key, sorted.

    Missing values are a group of their own. Values that read the same (1 and "1") are one group.
    Each column is factorised once; only the distinct values are turned into text.
    """
    import numpy as np
    import pandas as pd

    codes = np.zeros(len(frame), dtype=np.int64)
    levels: list[list[tuple[bool, str]]] = []
    for column in columns:
        raw_codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
        texts = [str(u) for u in uniques]
        ordered = sorted(set(texts))
        index = {text: i for i, text in enumerate(ordered)}
        position = np.array([index[t] for t in texts] + [len(ordered)], dtype=np.int64)
        column_codes = position[np.where(raw_codes >= 0, raw_codes, len(texts))]  # -1 (missing) -> last slot
        column_levels = [*((False, text) for text in ordered), (True, MISSING_GROUP)]
        codes = codes * len(column_levels) + column_codes
        levels.append(column_levels)
    # mixed-radix codes in ascending order are the cells in key order
    present, dense = np.unique(codes, return_inverse=True)
    keys: list[CellKey] = []
    for code in present:
        remainder, decoded = int(code), []
        for column_levels in reversed(levels):
            remainder, slot = divmod(remainder, len(column_levels))
            decoded.append(column_levels[slot])
        keys.append(tuple(reversed(decoded)))
    return dense.reshape(-1), keys


def merge_cells(partials: Sequence[CellCounts], width: int) -> CellCounts:
    """Partial counts of any number of batches, added cell by cell (every cell seen in any batch)."""
    import numpy as np

    keys = sorted({key for partial in partials for key in partial.keys})
    index = {key: i for i, key in enumerate(keys)}
    dtype = np.result_type(np.int64, *(partial.sums.dtype for partial in partials))
    total = np.zeros((len(keys), width), dtype=dtype)
    for partial in partials:
        total[[index[key] for key in partial.keys]] += partial.sums
    return CellCounts(keys=keys, sums=total)


def favourable(values: np.ndarray, labels: Any) -> np.ndarray:
    """Which values are favourable: equal to the label, or to any label of a tuple (a multiclass set).

    One ``==`` per favourable label, so a binary audit compares exactly as it always has.
    """
    import numpy as np

    chosen = labels if isinstance(labels, tuple) else (labels,)
    found = np.zeros(len(values), dtype=bool)
    for label in chosen:
        found |= np.asarray(values == label, dtype=bool)
    return found


@dataclass(frozen=True)
class CellCounter:
    """The per-cell confusion counts of a classifier's decisions, as a mergeable ``Accumulator``."""

    columns: tuple[str, ...]
    target: str | None
    positive_label: Any  # the favourable label, or a tuple of them (a multiclass favourable set)

    def update(self, batch: Batch) -> CellCounts:
        """One bincount over the batch's rows: exact, and linear in the number of rows."""
        import numpy as np
        import pandas as pd

        if batch.labels is None:
            raise InputError("no predictions: give --model or --prediction-column")
        dense, keys = code_cells(batch.frame, self.columns)
        predicted = favourable(np.asarray(batch.labels), self.positive_label).astype(np.int64)
        if self.target is not None:
            truth = batch.frame[self.target].to_numpy()
            known = ~pd.isna(truth)
            actual = favourable(truth, self.positive_label).astype(np.int64)
            kind = np.where(known, actual * 2 + predicted, 4 + predicted)  # CELLS order
        else:
            kind = 4 + predicted
        flat = np.bincount(dense * len(CELLS) + kind, minlength=len(keys) * len(CELLS))
        return CellCounts(keys=keys, sums=flat.reshape(len(keys), len(CELLS)))

    def merge(self, partials: Sequence[CellCounts]) -> CellCounts:
        return merge_cells(partials, len(CELLS))


@dataclass(frozen=True)
class CellTable:
    """Counts per combination of every sensitive column (the finest groups), merged over all rows."""

    columns: tuple[str, ...]
    values: list[dict[str, str]]  # one {column: value} per cell
    counts: np.ndarray  # cells x 6, in CELLS order

    @classmethod
    def of(cls, columns: tuple[str, ...], counted: CellCounts) -> CellTable:
        return cls(columns=columns, values=cell_values(columns, counted.keys), counts=counted.sums)

    def groups(self, grouping: tuple[str, ...]) -> tuple[list[dict[str, str]], np.ndarray]:
        """The groups of a coarser grouping and a cells x groups indicator matrix to sum cells into them."""
        return group_indicator(self.values, grouping)


def cell_values(columns: tuple[str, ...], keys: list[CellKey]) -> list[dict[str, str]]:
    """Each cell's values as the evidence shows them: {column: text}."""
    return [{column: text for column, (_, text) in zip(columns, key, strict=True)} for key in keys]


def group_indicator(values: list[dict[str, str]], grouping: tuple[str, ...]) -> tuple[list[dict[str, str]], np.ndarray]:
    """The groups of ``grouping`` (ordered by their values' text) and a cells x groups 0/1 matrix."""
    import numpy as np

    keys = [tuple(v[c] for c in grouping) for v in values]
    unique = sorted(set(keys))
    index = {key: i for i, key in enumerate(unique)}
    indicator = np.zeros((len(keys), len(unique)), dtype=np.int64)
    for cell, key in enumerate(keys):
        indicator[cell, index[key]] = 1
    return [dict(zip(grouping, key, strict=True)) for key in unique], indicator


def cell_table(ctx: AuditContext, columns: tuple[str, ...], positive: Any = None) -> CellTable:
    """The merged cell counts of the audit's rows, counted once per set of columns and favourable outcome.

    ``positive`` is the favourable label or a tuple of them (default: the audit's positive label).
    """
    chosen = ctx.positive_label if positive is None else positive

    def count() -> CellTable:
        counter = CellCounter(columns=columns, target=ctx.target, positive_label=chosen)
        return CellTable.of(columns, ctx.accumulate(counter))

    key = ("fairness.cells", columns) if positive is None else ("fairness.cells", columns, chosen)
    return ctx.memo(key, count)


@dataclass(frozen=True)
class GroupCounts:
    """Confusion counts of one group. ``rows``/``selected`` include rows without a known target."""

    label: str
    values: dict[str, str]
    rows: int
    selected: int
    tp: int
    fp: int
    tn: int
    fn: int

    @property
    def labelled(self) -> int:
        return self.tp + self.fp + self.tn + self.fn

    def fraction(self, name: str) -> tuple[int, int]:
        """(successes, trials) of a per-group rate, e.g. TPR = (true positives, actual positives)."""
        return {
            "selection_rate": (self.selected, self.rows),
            "tpr": (self.tp, self.tp + self.fn),
            "fpr": (self.fp, self.fp + self.tn),
            "fnr": (self.fn, self.tp + self.fn),
            "precision": (self.tp, self.tp + self.fp),
            "accuracy": (self.tp + self.tn, self.labelled),
        }[name]

    def rate(self, name: str) -> float:
        """A per-group rate; NaN when its denominator is zero (e.g. TPR of a group with no positives)."""
        numerator, denominator = self.fraction(name)
        return numerator / denominator if denominator else math.nan


def group_counts_from(values: list[dict[str, str]], counts: np.ndarray) -> list[GroupCounts]:
    """Groups from their values and their six counts (groups x 6, in CELLS order)."""
    return [
        GroupCounts(
            label=" / ".join(v.values()),
            values=v,
            rows=int(counts[i].sum()),
            selected=int(counts[i, 1] + counts[i, 3] + counts[i, 5]),
            tn=int(counts[i, 0]),
            fp=int(counts[i, 1]),
            fn=int(counts[i, 2]),
            tp=int(counts[i, 3]),
        )
        for i, v in enumerate(values)
    ]


def group_counts(table: CellTable, grouping: tuple[str, ...]) -> list[GroupCounts]:
    """Confusion counts for each group of ``grouping``, summed from the finest cells."""
    values, indicator = table.groups(grouping)
    return group_counts_from(values, indicator.T @ table.counts)
