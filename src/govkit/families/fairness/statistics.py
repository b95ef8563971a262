"""The statistics behind the fairness numbers: per-group estimates with their limits, and MOVER contrasts.

Everything here works on counts and sums (never on rows), and on arrays with any leading axes: the
same code gives one audit's numbers (one data set) and a coverage simulation's (thousands at once).

- A per-group *estimate* knows its value, the denominator a group needs enough of to decide, and its
  limits at any one-sided tail probability: Wilson score limits for a proportion, Student-t limits for
  a mean, limits on the log scale for a mean square (whose root is the RMSE), and the MOVER sum for
  the average of two proportions (AIF360's average odds).
- A *contrast* between two groups is a difference or a ratio of their estimates. Its limits come from
  the groups' limits by the method of variance estimates recovery (MOVER): Newcombe's hybrid score
  interval for a difference of proportions, Donner and Zou's for a ratio.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from govkit.families.fairness.counts import CELLS

if TYPE_CHECKING:
    import numpy as np

WILSON_Z = 1.959963984540054  # two-sided 95%


def z_for(confidence: float) -> float:
    """The standard normal quantile of a two-sided ``confidence`` interval (1.96 for 95%)."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def wilson_interval(successes: int, trials: int, z: float = WILSON_Z) -> tuple[float, float] | None:
    """Wilson score interval for a binomial proportion; None when there are no trials."""
    if trials == 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def fraction(counts: np.ndarray, rate: str) -> tuple[np.ndarray, np.ndarray]:
    """(successes, trials) of a per-group rate from counts shaped (..., groups, 6), in CELLS order.

    The vectorised twin of ``GroupCounts.fraction``: the same numerators and denominators.
    """
    tn, fp, fn, tp, _, unl_sel = (counts[..., i] for i in range(len(CELLS)))
    return {
        "selection_rate": (fp + tp + unl_sel, counts.sum(axis=-1)),
        "tpr": (tp, tp + fn),
        "fpr": (fp, fp + tn),
        "fnr": (fn, tp + fn),
        "precision": (tp, tp + fp),
        "accuracy": (tp + tn, tp + tn + fp + fn),
    }[rate]


def rates(counts: np.ndarray, rate: str) -> np.ndarray:
    """A rate for every group from counts shaped (..., groups, 6); NaN where undefined."""
    import numpy as np

    numerator, denominator = fraction(counts, rate)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.maximum(denominator, 1), np.nan)


def upper_quantile(tail: np.ndarray | float) -> np.ndarray:
    """The standard normal quantile with ``tail`` above it."""
    from scipy.special import ndtri

    return ndtri(1 - tail)


class Estimate(Protocol):
    """A per-group statistic over groups (any leading axes): value, denominator and limits."""

    @property
    def value(self) -> np.ndarray: ...  # NaN where undefined

    @property
    def denominator(self) -> np.ndarray: ...  # the rows a group needs enough of to decide

    def limits(self, tail: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper limits, each with one-sided probability ``tail`` of missing."""
        ...


@dataclass(frozen=True)
class Proportion:
    """A binomial proportion per group, with Wilson score limits."""

    successes: np.ndarray
    trials: np.ndarray

    @property
    def value(self) -> np.ndarray:
        import numpy as np

        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.trials > 0, self.successes / np.maximum(self.trials, 1), np.nan)

    @property
    def denominator(self) -> np.ndarray:
        return self.trials

    def limits(self, tail: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        z = upper_quantile(tail)
        n = np.where(self.trials > 0, self.trials, np.nan)
        p = self.successes / n
        denominator = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denominator
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
        return np.maximum(0.0, centre - half), np.minimum(1.0, centre + half)


@dataclass(frozen=True)
class Average:
    """The mean of two independent per-group estimates (AIF360's average odds: TPR and FPR), MOVER limits."""

    first: Estimate
    second: Estimate

    @property
    def value(self) -> np.ndarray:
        return (self.first.value + self.second.value) / 2

    @property
    def denominator(self) -> np.ndarray:
        import numpy as np

        return np.minimum(self.first.denominator, self.second.denominator)

    def limits(self, tail: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        (l1, u1), (l2, u2) = self.first.limits(tail), self.second.limits(tail)
        a, b = self.first.value, self.second.value
        centre = (a + b) / 2
        return (
            centre - np.sqrt((a - l1) ** 2 + (b - l2) ** 2) / 2,
            centre + np.sqrt((u1 - a) ** 2 + (u2 - b) ** 2) / 2,
        )


def t_quantile(tail: np.ndarray | float, count: np.ndarray) -> np.ndarray:
    """Student's t quantile with ``tail`` above it and count - 1 degrees of freedom (NaN below two rows)."""
    import numpy as np
    from scipy.stats import t

    freedom = np.where(count >= 2, count - 1, np.nan)
    return t.ppf(1 - np.asarray(tail), freedom)


@dataclass(frozen=True)
class Mean:
    """A mean per group from its count, sum and sum of squares, with Student-t limits."""

    count: np.ndarray
    total: np.ndarray
    squares: np.ndarray

    @property
    def value(self) -> np.ndarray:
        import numpy as np

        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.count > 0, self.total / np.maximum(self.count, 1), np.nan)

    @property
    def denominator(self) -> np.ndarray:
        return self.count

    def limits(self, tail: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        n = np.where(self.count >= 2, self.count, np.nan)
        mean = self.total / n
        variance = np.maximum(self.squares - n * mean * mean, 0.0) / (n - 1)
        half = t_quantile(tail, self.count) * np.sqrt(variance / n)
        return mean - half, mean + half


@dataclass(frozen=True)
class RootMeanSquare:
    """The root of a mean square per group (the RMSE), from count, sum of squares and sum of fourth powers.

    The mean square's limits are taken on the log scale (a mean of squares is skewed to the right,
    and the log keeps the lower limit above 0), then square-rooted.
    """

    count: np.ndarray
    squares: np.ndarray
    fourth: np.ndarray

    @property
    def value(self) -> np.ndarray:
        import numpy as np

        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.count > 0, np.sqrt(self.squares / np.maximum(self.count, 1)), np.nan)

    @property
    def denominator(self) -> np.ndarray:
        return self.count

    def limits(self, tail: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        n = np.where(self.count >= 2, self.count, np.nan)
        square = self.squares / n
        variance = np.maximum(self.fourth - n * square * square, 0.0) / (n - 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            spread = np.where(square > 0, t_quantile(tail, self.count) * np.sqrt(variance / n) / square, 0.0)
        return np.sqrt(square * np.exp(-spread)), np.sqrt(square * np.exp(spread))


def difference_lower(a: np.ndarray, a_low: np.ndarray, b: np.ndarray, b_high: np.ndarray) -> np.ndarray:
    """MOVER lower limit of a - b (Newcombe's hybrid score interval when a and b are proportions)."""
    import numpy as np

    return (a - b) - np.sqrt((a - a_low) ** 2 + (b_high - b) ** 2)


def difference_upper(a: np.ndarray, a_high: np.ndarray, b: np.ndarray, b_low: np.ndarray) -> np.ndarray:
    """MOVER upper limit of a - b."""
    import numpy as np

    return (a - b) + np.sqrt((a_high - a) ** 2 + (b - b_low) ** 2)


def ratio_lower(a: np.ndarray, a_low: np.ndarray, b: np.ndarray, b_high: np.ndarray) -> np.ndarray:
    """MOVER-R lower limit of a / b (Donner and Zou 2012), for non-negative estimates.

    The limit is the root in [0, a/b] of (a - L b)^2 = (a - a_low)^2 + L^2 (b_high - b)^2, written in
    the form that stays finite when b is 0 or its upper limit is more than twice it.
    """
    import numpy as np

    quadratic = b_high * (2 * b - b_high)
    linear = a * b
    constant = a_low * (2 * a - a_low)
    with np.errstate(invalid="ignore", divide="ignore"):
        denominator = linear + np.sqrt(np.maximum(linear * linear - quadratic * constant, 0.0))
        return np.where(denominator > 0, constant / np.where(denominator > 0, denominator, 1.0), 0.0)


def ratio_upper(a: np.ndarray, a_high: np.ndarray, b: np.ndarray, b_low: np.ndarray) -> np.ndarray:
    """MOVER-R upper limit of a / b: the root above a/b of (U b - a)^2 = (a_high - a)^2 + U^2 (b - b_low)^2.

    Infinite when b's lower limit is 0 (b could be 0, so the ratio has no upper bound).
    """
    import numpy as np

    quadratic = b_low * (2 * b - b_low)
    linear = a * b
    constant = a_high * (2 * a - a_high)
    with np.errstate(invalid="ignore", divide="ignore"):
        root = linear + np.sqrt(np.maximum(linear * linear - quadratic * constant, 0.0))
        return np.where(quadratic > 0, root / np.where(quadratic > 0, quadratic, 1.0), np.inf)
