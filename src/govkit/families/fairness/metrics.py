"""The metrics between groups: which rate each check compares, how, and over which groups.

The definitions follow fairlearn's: a *difference* is the highest rate minus the lowest, a *ratio*
the lowest over the highest (or over a reference group's); equalized odds is the worse of the true
and false positive rate comparisons. Only groups large enough to decide are compared; a small group
whose rate lies outside the large groups' range is reported, because it would have decided.

``compare`` gives the point estimate from one grouping's group counts; ``metric_from_counts`` is
the same metric vectorised over bootstrap resamples, and ``bootstrap_interval`` the interval of the
check's value (the worst over groupings) from the merged cell counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

from govkit.families.fairness.counts import RATE_NAMES, CellTable, GroupCounts, group_counts_from
from govkit.families.fairness.params import FairnessParams, minimum_rows
from govkit.families.fairness.statistics import (
    percentile_interval,
    quiet_nan_warnings,
    rates,
    resample_cells,
    worst,
)

if TYPE_CHECKING:
    import numpy as np

How = Literal["difference", "ratio"]

# metric name -> (per-group rates compared, how groups are compared); the disparate impact ratio,
# absent here, is a ratio of selection rates against a reference group.
BETWEEN: dict[str, tuple[tuple[str, ...], How]] = {
    "demographic_parity_difference": (("selection_rate",), "difference"),
    "demographic_parity_ratio": (("selection_rate",), "ratio"),
    "equalized_odds_difference": (("tpr", "fpr"), "difference"),
    "equalized_odds_ratio": (("tpr", "fpr"), "ratio"),
    "equal_opportunity_difference": (("tpr",), "difference"),
    "false_positive_rate_difference": (("fpr",), "difference"),
    "predictive_parity_difference": (("precision",), "difference"),
    "accuracy_difference": (("accuracy",), "difference"),
}
_SELECTION_RATIO: tuple[tuple[str, ...], How] = (("selection_rate",), "ratio")


def definition(metric: str) -> tuple[tuple[str, ...], How]:
    """The rates a metric compares and how it compares them."""
    return BETWEEN.get(metric, _SELECTION_RATIO)


@dataclass
class Comparison:
    """One metric over one grouping (e.g. demographic parity ratio over sex x race)."""

    grouping: tuple[str, ...]
    value: float | None
    rate: str  # the rate that decided (for equalized odds: the worse of TPR and FPR)
    low: str | None
    high: str | None
    small_groups: list[str]
    small_deciders: list[str]
    undefined_groups: list[str]
    # why there is no value: too few large groups, or a ratio of rates that are all zero
    reason: str | None = None


def eligible(groups: list[GroupCounts], params: FairnessParams) -> set[str]:
    """The labels of the groups large enough to decide a check."""
    minimum = minimum_rows(params, sum(g.rows for g in groups))
    return {g.label for g in groups if g.rows >= minimum}


class RateGap(NamedTuple):
    """One rate compared over one grouping's groups."""

    rate: str
    value: float | None  # None: too few large groups; NaN: a ratio of rates that are all 0
    low: str | None
    high: str | None
    small_deciders: list[str]  # small groups outside the large groups' range
    undefined: list[str]  # groups whose rate is undefined (a zero denominator)


def _compare_rate(groups: list[GroupCounts], rate: str, how: How, large: set[str], reference: str | None) -> RateGap:
    defined = [g for g in groups if not math.isnan(g.rate(rate))]
    undefined = [g.label for g in groups if math.isnan(g.rate(rate))]
    judged = [g for g in defined if g.label in large]
    if len(judged) < 2 and reference is None:
        return RateGap(rate, None, None, None, [], undefined)
    if reference is not None:
        anchor = next((g for g in judged if g.label == reference), None)
        if anchor is None:
            return RateGap(rate, None, None, reference, [], undefined)
        low = min(judged, key=lambda g: g.rate(rate))
        high = anchor
    else:
        low = min(judged, key=lambda g: g.rate(rate))
        high = max(judged, key=lambda g: g.rate(rate))
    lo, hi = low.rate(rate), high.rate(rate)
    if how == "difference":
        value = hi - lo
    else:
        # 0/0 (no group ever gets the outcome) is undefined, as in fairlearn: never read as parity
        value = (lo / hi) if hi > 0 else math.nan
    # A small group outside the range of the large ones would have decided the check.
    small_deciders = [
        g.label
        for g in defined
        if g.label not in large and (g.rate(rate) < lo or (reference is None and g.rate(rate) > hi))
    ]
    return RateGap(rate, value, low.label, high.label, small_deciders, undefined)


def compare(
    groups: list[GroupCounts],
    metric: str,
    params: FairnessParams,
    grouping: tuple[str, ...],
    reference: str | None = None,
) -> Comparison:
    """The metric over one grouping's groups: the worst case over the rates it compares."""
    compared, how = definition(metric)
    large = eligible(groups, params)
    small = [g.label for g in groups if g.label not in large]
    gaps = [_compare_rate(groups, rate, how, large, reference) for rate in compared]
    valued = [(gap.value, gap) for gap in gaps if gap.value is not None and not math.isnan(gap.value)]
    if not valued:
        first = gaps[0]
        zero = any(gap.value is not None for gap in gaps)  # NaN, not None: a ratio of rates that are all 0
        reason = (
            f"the {' and the '.join(RATE_NAMES[r] for r in compared)} is 0 for every group compared, so the "
            "ratio is undefined"
            if zero
            else None
        )
        return Comparison(grouping, None, first.rate, None, None, small, first.small_deciders, first.undefined, reason)
    # worst case over the rates compared: the largest difference or the smallest ratio (the first on a tie)
    if how == "difference":
        value, chosen = max(valued, key=lambda pair: pair[0])
    else:
        value, chosen = min(valued, key=lambda pair: pair[0])
    return Comparison(
        grouping=grouping,
        value=float(value),
        rate=chosen.rate,
        low=chosen.low,
        high=chosen.high,
        small_groups=small,
        small_deciders=sorted({label for gap in gaps for label in gap.small_deciders}),
        undefined_groups=sorted({label for gap in gaps for label in gap.undefined}),
    )


def metric_from_counts(counts: np.ndarray, metric: str, large: np.ndarray, reference_index: int | None) -> np.ndarray:
    """The between-group metric for every resample: counts (resamples, groups, 6) -> (resamples,)."""
    import numpy as np

    compared, how = definition(metric)
    values = []
    for rate in compared:
        per_group = rates(counts, rate)
        judged = np.where(large[None, :], per_group, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"), quiet_nan_warnings():
            low = np.nanmin(judged, axis=1)
            high = judged[:, reference_index] if reference_index is not None else np.nanmax(judged, axis=1)
            if how == "difference":
                values.append(high - low)
            else:
                values.append(np.where(high > 0, low / np.where(high > 0, high, 1), np.nan))
    return worst(np.vstack(values), how)


def bootstrap_interval(
    table: CellTable,
    metric: str,
    params: FairnessParams,
    groupings: list[tuple[str, ...]],
    reference: str | None,
    seed: int,
) -> tuple[float, float] | None:
    """Percentile interval of the check's value (the worst over groupings) under a stratified bootstrap."""
    import numpy as np

    draws = resample_cells(table.counts, params.bootstrap_samples, seed)
    per_grouping = []
    for grouping in groupings:
        values, indicator = table.groups(grouping)
        observed = group_counts_from(values, indicator.T @ table.counts)
        large_labels = eligible(observed, params)
        large = np.array([g.label in large_labels for g in observed])
        labels = [g.label for g in observed]
        index = labels.index(reference) if reference is not None and reference in labels else None
        if reference is not None and index is None:
            continue
        grouped = np.einsum("bcs,cg->bgs", draws, indicator)
        per_grouping.append(metric_from_counts(grouped, metric, large, index))
    if not per_grouping:
        return None
    return percentile_interval(worst(np.vstack(per_grouping), definition(metric)[1]), params.confidence)
