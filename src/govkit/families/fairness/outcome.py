"""From each grouping's comparison to the check's value, its interval, and what keeps it from being decided.

The check's value is the worst grouping's (the largest difference or the smallest ratio; the first
on a tie). It is *inconclusive* (a status the runner's thresholds can still override with a failure,
and, in the runner's order, with a warning) when:

- no grouping could be compared at all (there is then no value);
- a metric combining statistics (equalized odds) has a value for one of them but not the other in
  some grouping: the value is then a lower bound of the metric, never a pass on half its definition;
- a group too small to decide has a value that would have decided (outside the large groups'
  range, or further from the reference group than any large group).

The interval covers the same value: the worst of all comparisons that could decide it (see
``intervals``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from govkit.families.fairness.intervals import How, worst_of
from govkit.families.fairness.metrics import STATISTIC_NAMES, Comparison, PartResult, definition
from govkit.families.fairness.params import FairnessParams, grouping_name


@dataclass(frozen=True)
class Outcome:
    """What one check concludes from its groupings' comparisons."""

    value: float | None
    deciding: Comparison | None
    part: PartResult | None  # the deciding statistic of the deciding grouping
    interval: tuple[float, float] | None
    interval_method: str | None
    inconclusive_reason: str | None


def _reasons_without_value(comparisons: list[Comparison]) -> str:
    reasons = dict.fromkeys(p.reason for c in comparisons for p in c.parts if p.reason)
    return "; ".join(r for r in reasons if r) or "no grouping could be compared"


def _incomplete(comparisons: list[Comparison], how: How) -> list[str]:
    """Groupings where one statistic of the metric was compared and another could not be."""
    bound = "a lower" if how == "difference" else "an upper"
    found = []
    for c in comparisons:
        missing = c.missing_parts
        if not missing:
            continue
        compared = " and the ".join(STATISTIC_NAMES[p.statistic] for p in c.valued)
        reasons = "; ".join(f"{STATISTIC_NAMES[p.statistic]}: {p.reason}" for p in missing)
        found.append(
            f"by {grouping_name(c.grouping)} only the {compared} could be compared ({reasons}), so the value "
            f"there is {bound} bound of the metric"
        )
    return found


def _small(comparisons: list[Comparison], reference: bool) -> str | None:
    deciders = sorted({label for c in comparisons for p in c.parts for label in p.small_deciders})
    if not deciders:
        return None
    where = (
        "differ from the reference group more than the large groups do"
        if reference
        else "lie outside the range of the large groups"
    )
    return f"groups too small to judge ({', '.join(deciders)}) {where}; collect more data for them"


def _method(worst_count: int, undefined: int, confidence: float, method: str) -> str:
    text = (
        f"{confidence * 100:g}% interval from {method}, one per comparison of large groups that could decide the "
        f"check ({worst_count}); the limit nearer parity is Bonferroni-corrected for choosing the worst of the "
        f"{worst_count}, the other is the most extreme of theirs"
    )
    if undefined:
        text += f"; {undefined} comparison{'s' if undefined != 1 else ''} undefined (0/0) left out of the value"
    return text


def decide(comparisons: list[Comparison], metric: str, params: FairnessParams, method: str) -> Outcome:
    """The check's value, interval and reasons from its groupings' comparisons."""
    how = definition(metric).how
    decided = [(c, c.deciding(how)) for c in comparisons]
    valued = [(c, p) for c, p in decided if p is not None and p.value is not None]
    if not valued:
        return Outcome(None, None, None, None, None, _reasons_without_value(comparisons))
    pick = max if how == "difference" else min
    comparison, part = pick(valued, key=lambda pair: pair[1].value)  # type: ignore[arg-type, return-value]
    reasons = [*_incomplete(comparisons, how), _small(comparisons, params.compares_with_reference)]
    interval, described = None, None
    if params.intervals:
        parts = [p.part for c in comparisons for p in c.parts if p.part is not None]
        worst = worst_of(parts, how, params.confidence)
        low, high = float(worst.low[0]), float(worst.high[0])
        if math.isfinite(low) and math.isfinite(high):
            interval = (low, high)
        described = _method(int(worst.comparisons[0]), int(worst.undefined[0]), params.confidence, method)
    return Outcome(
        value=part.value,
        deciding=comparison,
        part=part,
        interval=interval,
        interval_method=described,
        inconclusive_reason="; ".join(r for r in reasons if r) or None,
    )
