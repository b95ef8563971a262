"""A Poisson bootstrap of a regression model's per-cell sums: resampling as a mergeable ``Accumulator``.

The classic bootstrap draws n rows with replacement, which needs every row at once. The Poisson
bootstrap (Hanley and MacGibbon 2006; Chamandy et al. 2012) gives each row an independent Poisson(1)
weight per replicate instead: the number of times it would have been drawn, in the limit of many
rows. Weighted sums per cell can then be counted batch by batch and added, like every other count
of the family, and each replicate's group statistics are read from its sums.

A row's weights depend only on the seed, the row's key (its position in the whole data: a batch
knows its ``offset``) and the replicate number, through a counter-based hash (SplitMix64): the same
rows give the same replicates however the rows are split into batches and whatever their index, and
a run is reproducible from its seed. The work is bounded: ``REPLICATES`` replicates, rows taken ``CHUNK`` at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from govkit.families.fairness.counts import CellCounts, merge_cells

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import Batch

REPLICATES = 200
CHUNK = 1024  # rows weighted at once: CHUNK x REPLICATES x sums numbers in memory (13 MB)
METHOD = (
    "Poisson bootstrap ({replicates} replicates, seed {seed}): rows reweighted by independent Poisson(1) "
    "counts, groups' statistics recomputed, percentile interval of the gap between the same two groups"
)

# Poisson(1) cumulative probabilities P(K <= k), k = 0..19: a uniform draw's count by inverse transform.
_POISSON_TERMS = 20


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser on unsigned 64-bit integers (arithmetic wraps, as the algorithm intends)."""
    import numpy as np

    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def poisson_weights(keys: np.ndarray, seed: int, replicates: int) -> np.ndarray:
    """rows x replicates Poisson(1) counts, a pure function of (seed, row key, replicate)."""
    import math

    import numpy as np

    cdf = np.cumsum([math.exp(-1) / math.factorial(k) for k in range(_POISSON_TERMS)])
    seeded = _mix(np.array([seed], dtype=np.int64).view(np.uint64))
    base = _mix(np.asarray(keys, dtype=np.int64).view(np.uint64) ^ seeded)
    bits = _mix(base[:, None] * np.uint64(replicates) + np.arange(replicates, dtype=np.uint64)[None, :])
    uniform = (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return np.searchsorted(cdf, uniform, side="right").astype(np.float64)


def row_keys(batch: Batch) -> np.ndarray:
    """Each row's key: its position in the whole data (the batch's ``offset`` plus its position in the batch).

    Never the index label: repeated labels (after ``pd.concat``) would share weights, and a batch-local
    position would give rows at the same place in different batches the same weights.
    """
    import numpy as np

    return np.arange(batch.offset, batch.offset + len(batch.frame), dtype=np.int64)


@dataclass(frozen=True)
class Resampled:
    """Per-cell sums of every replicate: cells x replicates x sums, as a mergeable ``Accumulator``.

    ``row_values`` turns a batch into (each row's cell, the cells' keys, rows x sums values to add).
    """

    seed: int
    replicates: int
    width: int
    row_values: object  # Callable[[Batch], tuple[np.ndarray, list[CellKey], np.ndarray]]

    def update(self, batch: Batch) -> CellCounts:
        import numpy as np
        from scipy.sparse import csr_matrix

        dense, keys, values = self.row_values(batch)  # type: ignore[operator]
        ids = row_keys(batch)
        total = np.zeros((len(keys), self.replicates * self.width))
        for start in range(0, len(dense), CHUNK):
            cells = dense[start : start + CHUNK]
            weights = poisson_weights(ids[start : start + CHUNK], self.seed, self.replicates)
            weighted = (weights[:, :, None] * values[start : start + CHUNK, None, :]).reshape(len(cells), -1)
            # cells x rows indicator times rows x (replicates * sums): each cell's rows added in row order
            indicator = csr_matrix((np.ones(len(cells)), (cells, np.arange(len(cells)))), shape=(len(keys), len(cells)))
            total += indicator @ weighted
        return CellCounts(keys=keys, sums=total)

    def merge(self, partials: Sequence[CellCounts]) -> CellCounts:
        return merge_cells(partials, self.replicates * self.width)


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float, float] | None:
    """The percentile interval of the finite replicates; None with fewer than half of them finite."""
    import numpy as np

    finite = samples[np.isfinite(samples)]
    if len(finite) < len(samples) / 2 or len(finite) < 2:
        return None
    tail = (1 - confidence) / 2
    low, high = np.quantile(finite, [tail, 1 - tail])
    return float(low), float(high)
