"""The confidence interval of a check's value: the worst of many comparisons, corrected for having chosen it.

A fairness check's value is the worst of K comparisons between groups: every pair of large groups
(or every group against the reference group), for each rate the metric compares, in each grouping.
"Worst" is the largest difference or the smallest ratio. Picking the worst of several noisy
comparisons biases it away from parity, so a plain interval around the chosen pair undercovers
(a percentile bootstrap of the maximum did too). The interval here is built from an interval per
comparison (MOVER, see ``statistics``) and holds its level whichever comparison is truly the worst:

- the *far* limit (the upper limit of a difference, the lower limit of a ratio) is the most extreme
  far limit of all K comparisons at one-sided level alpha/2. The truly worst comparison alone
  misses its own far limit with probability alpha/2, and the maximum is at least as far.
- the *near* limit (the lower limit of a difference, the upper limit of a ratio) is the most extreme
  near limit of all K comparisons at one-sided level alpha/(2K): a Bonferroni correction for the
  choice of the deciding comparison, so that no comparison (and so not their worst) is past it with
  probability more than alpha/2.

For two groups (K = 1) this is exactly the two-sided interval of that comparison. The coverage
measured by simulation is in docs/fairness-statistics.md (tests/test_fairness_coverage.py).

Everything works on arrays with a leading axis of data sets, so the coverage simulation and one
audit run the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from govkit.families.fairness.statistics import (
    Estimate,
    difference_lower,
    difference_upper,
    ratio_lower,
    ratio_upper,
)

if TYPE_CHECKING:
    import numpy as np

How = Literal["difference", "ratio"]


@dataclass(frozen=True)
class Part:
    """One statistic compared over one grouping's groups, for B data sets: what may decide the check."""

    estimate: Estimate  # values shaped (B, groups)
    eligible: np.ndarray  # (B, groups): large enough to decide, and defined
    reference: int | None  # the reference group's index, or None: every group with every other


def pairs(groups: int, reference: int | None, how: How) -> tuple[np.ndarray, np.ndarray, int]:
    """The comparisons (first, second indices) and how many times each appears (in both orders or once).

    Without a reference: every ordered pair, so the largest difference (or smallest ratio) of the
    pairs is the highest group against the lowest. With one: each group against the reference, in both
    orders for a difference (the check takes its size), once for a ratio (group over reference).
    """
    import numpy as np

    if reference is None:
        ordered = [(i, j) for i in range(groups) for j in range(groups) if i != j]
        first, second, orders = [i for i, _ in ordered], [j for _, j in ordered], 2
    else:
        others = [i for i in range(groups) if i != reference]
        if how == "ratio":
            first, second, orders = others, [reference] * len(others), 1
        else:
            first, second, orders = others + [reference] * len(others), [reference] * len(others) + others, 2
    return np.array(first, dtype=np.intp), np.array(second, dtype=np.intp), orders


def contrast(a: np.ndarray, b: np.ndarray, how: How) -> np.ndarray:
    """The comparison of a with b: a - b, or a / b (undefined when b is 0, as in fairlearn)."""
    import numpy as np

    if how == "difference":
        return a - b
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


@dataclass(frozen=True)
class Worst:
    """The check's value over B data sets, its interval and the number of comparisons it was chosen from."""

    value: np.ndarray  # (B,), NaN when no comparison is defined
    low: np.ndarray
    high: np.ndarray
    comparisons: np.ndarray  # K, per data set
    undefined: np.ndarray  # comparisons of large groups left out of the value: a ratio over a zero rate


@dataclass(frozen=True)
class _Compared:
    part: Part
    first: np.ndarray
    second: np.ndarray
    values: np.ndarray  # (B, C)
    valid: np.ndarray  # (B, C): both groups eligible, and the part defined in this data set
    defined: np.ndarray  # (B, C): valid, and the comparison itself defined
    orders: int


def _compare(part: Part, how: How) -> _Compared:
    import numpy as np

    first, second, orders = pairs(part.eligible.shape[-1], part.reference, how)
    estimate = part.estimate.value
    values = contrast(estimate[..., first], estimate[..., second], how)
    valid = part.eligible[..., first] & part.eligible[..., second]
    defined = valid & ~np.isnan(values)
    valid = valid & defined.any(axis=-1, keepdims=True)  # a part with no defined comparison decides nothing
    return _Compared(part, first, second, values, valid, defined, orders)


def _undefined(compared: _Compared) -> np.ndarray:
    """Comparisons of large groups with no value in either order (0/0), per data set."""
    missing = compared.valid & ~compared.defined
    if compared.orders == 1:
        return missing.sum(axis=-1)
    position = {(a, b): k for k, (a, b) in enumerate(zip(compared.first, compared.second, strict=True))}
    reverse = [position[(b, a)] for a, b in zip(compared.first, compared.second, strict=True)]
    return (missing & missing[..., reverse]).sum(axis=-1) // 2


def _limits(compared: _Compared, how: How, far: float, near: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) limits of every comparison: the far side at tail ``far``, the near side at ``near``."""
    import numpy as np

    estimate, a, b = compared.part.estimate, compared.first, compared.second
    value = estimate.value
    far_low, far_high = estimate.limits(far)
    near_low, near_high = estimate.limits(near[..., None])
    with np.errstate(invalid="ignore"):
        if how == "difference":
            lower = difference_lower(value[..., a], near_low[..., a], value[..., b], near_high[..., b])
            upper = difference_upper(value[..., a], far_high[..., a], value[..., b], far_low[..., b])
        else:
            lower = ratio_lower(value[..., a], far_low[..., a], value[..., b], far_high[..., b])
            upper = ratio_upper(value[..., a], near_high[..., a], value[..., b], near_low[..., b])
    return lower, upper


def worst_of(parts: list[Part], how: How, confidence: float, *, intervals: bool = True) -> Worst:
    """The worst comparison over all parts (B data sets at once) and its interval at ``confidence``."""
    import numpy as np

    compared = [_compare(part, how) for part in parts]
    count = np.sum([c.valid.sum(axis=-1) // c.orders for c in compared], axis=0)
    chosen = [np.where(c.defined, c.values, np.nan) for c in compared]
    stacked = np.concatenate(chosen, axis=-1)
    with np.errstate(invalid="ignore"):
        defined = ~np.all(np.isnan(stacked), axis=-1)
        filled = np.where(np.isnan(stacked), -np.inf if how == "difference" else np.inf, stacked)
        value = np.where(defined, filled.max(axis=-1) if how == "difference" else filled.min(axis=-1), np.nan)
    undefined = np.sum([_undefined(c) for c in compared], axis=0)
    if not intervals:
        nothing = np.full(value.shape, np.nan)
        return Worst(value, nothing, nothing, count, undefined)
    alpha = 1 - confidence
    near = alpha / (2 * np.maximum(count, 1))
    lows, highs = [], []
    for c in compared:
        lower, upper = _limits(c, how, alpha / 2, near)
        lows.append(np.where(c.valid, lower, np.nan))
        highs.append(np.where(c.valid, upper, np.nan))
    low, high = np.concatenate(lows, axis=-1), np.concatenate(highs, axis=-1)
    with np.errstate(invalid="ignore"):
        if how == "difference":
            low = np.maximum(np.nanmax(np.where(np.isnan(low), -np.inf, low), axis=-1), 0.0)
            high = np.nanmax(np.where(np.isnan(high), -np.inf, high), axis=-1)
        else:
            low = np.maximum(np.min(np.where(np.isnan(low), np.inf, low), axis=-1), 0.0)
            high = np.min(np.where(np.isnan(high), np.inf, high), axis=-1)
            if parts and parts[0].reference is None:
                high = np.minimum(high, 1.0)  # without a reference the lowest over the highest is at most 1
    return Worst(value, np.where(defined, low, np.nan), np.where(defined, high, np.nan), count, undefined)


def comparison_intervals(
    part: Part, first: np.ndarray, second: np.ndarray, how: How, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each listed comparison's own two-sided interval at ``confidence`` (no correction: one comparison)."""
    import numpy as np

    estimate = part.estimate
    value = estimate.value
    low, high = estimate.limits((1 - confidence) / 2)
    a, b = first, second
    with np.errstate(invalid="ignore"):
        if how == "difference":
            return (
                difference_lower(value[..., a], low[..., a], value[..., b], high[..., b]),
                difference_upper(value[..., a], high[..., a], value[..., b], low[..., b]),
            )
        return (
            ratio_lower(value[..., a], low[..., a], value[..., b], high[..., b]),
            ratio_upper(value[..., a], high[..., a], value[..., b], low[..., b]),
        )
