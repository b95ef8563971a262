"""The statistics behind the fairness numbers: rates from counts, Wilson intervals, the stratified bootstrap.

Everything here works on counts (never on rows), so it costs the same on a thousand rows as on a
billion: a per-group rate is a ratio of counts, its interval is Wilson's, and a bootstrap resample
is a multinomial draw over each cell's six counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

from govkit.families.fairness.counts import CELLS

if TYPE_CHECKING:
    import numpy as np

WILSON_Z = 1.959963984540054  # two-sided 95%


def wilson_interval(successes: int, trials: int, z: float = WILSON_Z) -> tuple[float, float] | None:
    """Wilson score interval for a binomial proportion; None when there are no trials."""
    if trials == 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def rates(counts: np.ndarray, rate: str) -> np.ndarray:
    """A rate for every (resample, group) from counts shaped (..., groups, 6); NaN where undefined.

    The vectorised twin of ``GroupCounts.fraction``: the same numerators and denominators.
    """
    import numpy as np

    tn, fp, fn, tp, _, unl_sel = (counts[..., i] for i in range(len(CELLS)))
    numerator, denominator = {
        "selection_rate": (fp + tp + unl_sel, counts.sum(axis=-1)),
        "tpr": (tp, tp + fn),
        "fpr": (fp, fp + tn),
        "fnr": (fn, tp + fn),
        "precision": (tp, tp + fp),
        "accuracy": (tp + tn, tp + tn + fp + fn),
    }[rate]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.maximum(denominator, 1), np.nan)


@contextmanager
def quiet_nan_warnings() -> Iterator[None]:
    """All-NaN slices are expected (a rate undefined in a resample) and handled by the caller."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def worst(values: np.ndarray, how: Literal["difference", "ratio"]) -> np.ndarray:
    """The worst value down axis 0, ignoring NaN: the largest difference or the smallest ratio."""
    import numpy as np

    with quiet_nan_warnings():
        return np.nanmax(values, axis=0) if how == "difference" else np.nanmin(values, axis=0)


def resample_cells(counts: np.ndarray, samples: int, seed: int) -> np.ndarray:
    """A stratified bootstrap of the rows, from counts: (samples, cells, 6).

    Rows are resampled within each cell, which is a multinomial draw over the cell's six counts;
    coarser groups are sums of cells, so every grouping sees the same resample and no group ever
    vanishes from it.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    draws = np.empty((samples, *counts.shape), dtype=np.int64)
    for cell, row in enumerate(counts):
        total = int(row.sum())
        draws[:, cell, :] = rng.multinomial(total, row / total, size=samples)
    return draws


def percentile_interval(values: np.ndarray, confidence: float) -> tuple[float, float] | None:
    """The central ``confidence`` percentile interval of the defined values; None when none is defined."""
    import numpy as np

    defined = values[~np.isnan(values)]
    if len(defined) == 0:
        return None
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(defined, [tail, 100 - tail])
    return float(low), float(high)
