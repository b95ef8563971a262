"""The statistics of the family: score intervals, one-sided tests of a slice against the rest, Holm's correction.

All are vectorised over slices so a search of thousands of slices costs a few array operations.
The tests compare a slice with the rows outside it (not with the overall value, which contains the
slice), one-sided: is the slice worse?

- rates (error rate, false negative rate): the larger of two p-values, so neither approximation's
  weakness decides. The exact binomial test of the slice's count against the rate outside it is right
  for small slices, whose error counts are skewed (a normal approximation understates their upper tail,
  and a search of hundreds of small slices then finds "significant" slices in pure noise), but treats
  the outside rate as known; the pooled two-proportion z test with Yates' continuity correction (the
  one-sided half of the corrected chi-square test of the 2 x 2 table) accounts for the outside rate's
  own noise, which matters for large slices;
- means (absolute errors): Welch's z test on the two means (normal approximation; slices have at least
  ``min_size`` rows).

The tests are cross-checked against statsmodels in the family's tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def _z(confidence: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + confidence / 2))


def wilson(successes: np.ndarray, trials: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of each proportion successes/trials (trials > 0)."""
    import numpy as np

    z = _z(confidence)
    n = np.asarray(trials, dtype=float)
    p = np.asarray(successes, dtype=float) / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def mean_interval(
    total: np.ndarray, squares: np.ndarray, count: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Normal interval of each mean, from the sum and the sum of squares of its values."""
    import numpy as np

    n = np.asarray(count, dtype=float)
    mean = total / n
    variance = np.maximum(squares / n - mean * mean, 0.0) * n / np.maximum(n - 1, 1)
    half = _z(confidence) * np.sqrt(variance / n)
    return mean - half, mean + half


def rate_worse_p(bad: np.ndarray, count: np.ndarray, bad_all: float, count_all: float) -> np.ndarray:
    """One-sided p-value that each slice's rate bad/count exceeds the rate of the rows outside it.

    The larger of the exact binomial test against the outside rate and the continuity-corrected pooled
    z test; a slice with no rows outside it, or no variation at all, gets p = 1.
    """
    import numpy as np
    from scipy.stats import binom, norm

    rest_bad, rest_count = bad_all - bad, count_all - count
    valid = (count > 0) & (rest_count > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = bad_all / count_all
        se = np.sqrt(pooled * (1 - pooled) * (1 / count + 1 / rest_count))
        correction = 0.5 * (1 / count + 1 / rest_count)
        z = (bad / count - rest_bad / rest_count - correction) / se
    z = np.where(valid & (se > 0), z, -np.inf)
    outside = np.where(valid, rest_bad / np.maximum(rest_count, 1), 1.0)
    exact = np.where(valid, binom.sf(bad - 1, count, outside), 1.0)
    return np.maximum(np.asarray(norm.sf(z), dtype=float), exact)


def mean_worse_p(
    total: np.ndarray, squares: np.ndarray, count: np.ndarray, total_all: float, squares_all: float, count_all: float
) -> np.ndarray:
    """One-sided p-value that each slice's mean exceeds the mean outside it (Welch's z test)."""
    import numpy as np
    from scipy.stats import norm

    rest_total, rest_squares, rest_count = total_all - total, squares_all - squares, count_all - count
    valid = (count > 1) & (rest_count > 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean, rest_mean = total / count, rest_total / rest_count
        var = np.maximum(squares / count - mean * mean, 0.0) * count / (count - 1)
        rest_var = np.maximum(rest_squares / rest_count - rest_mean * rest_mean, 0.0) * rest_count / (rest_count - 1)
        se = np.sqrt(var / count + rest_var / rest_count)
        z = (mean - rest_mean) / se
    z = np.where(valid & (se > 0), z, -np.inf)
    return np.asarray(norm.sf(z), dtype=float)


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values: reject where adjusted <= alpha keeps the family-wise error at alpha."""
    import numpy as np

    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    stepped = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(stepped)
    return adjusted
