"""The metrics between groups: which statistics each check compares, how, over which groups, and who decides.

The definitions follow fairlearn's: a *difference* is the highest value minus the lowest, a *ratio*
the lowest over the highest; equalized odds is the worse of the true and false positive rate
comparisons. With a reference group (AIF360's privileged group) every other group is compared with
it instead: a difference is group minus reference (AIF360's sign), a ratio group over reference (so
above 1 when the group gets more of the outcome); the check takes the largest difference in size and
the smallest ratio.

Only groups large enough to decide are compared: enough rows, and enough rows in the denominator of
the statistic itself (actual positives for the true positive rate, and so on). A small group whose
value would have decided is reported. A statistic that cannot be compared in a grouping (too few
large groups, a ratio of zeros) is a *part* without a value; a metric combining parts (equalized
odds) whose other part has a value is then incomplete, never decided on half its definition.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govkit.families.fairness.counts import RATE_NAMES
from govkit.families.fairness.intervals import How, Part, comparison_intervals, contrast
from govkit.families.fairness.params import FairnessParams

if TYPE_CHECKING:
    import numpy as np

    from govkit.families.fairness.statistics import Estimate

# What the sentences call each per-group statistic, and the rows its denominator counts.
STATISTIC_NAMES = {
    **RATE_NAMES,
    "average_odds": "average of the true and false positive rates",
    "mean_prediction": "mean prediction",
    "mean_error": "mean error (prediction − truth)",
    "mae": "mean absolute error",
    "rmse": "RMSE",
}
DENOMINATORS = {
    "selection_rate": "rows",
    "tpr": "actual positives",
    "fpr": "actual negatives",
    "fnr": "actual positives",
    "precision": "predicted positives",
    "accuracy": "labelled rows",
    "average_odds": "actual positives and actual negatives",
    "mean_prediction": "rows",
    "mean_error": "labelled rows",
    "mae": "labelled rows",
    "rmse": "labelled rows",
}


@dataclass(frozen=True)
class Metric:
    """The per-group statistics a check compares (its parts) and how it compares groups."""

    parts: tuple[str, ...]
    how: How


METRICS: dict[str, Metric] = {
    "demographic_parity_difference": Metric(("selection_rate",), "difference"),
    "demographic_parity_ratio": Metric(("selection_rate",), "ratio"),
    "disparate_impact_ratio": Metric(("selection_rate",), "ratio"),
    "equalized_odds_difference": Metric(("tpr", "fpr"), "difference"),
    "equalized_odds_ratio": Metric(("tpr", "fpr"), "ratio"),
    "equal_opportunity_difference": Metric(("tpr",), "difference"),
    "false_positive_rate_difference": Metric(("fpr",), "difference"),
    "predictive_parity_difference": Metric(("precision",), "difference"),
    "accuracy_difference": Metric(("accuracy",), "difference"),
    "average_odds_difference": Metric(("average_odds",), "difference"),
    "mean_prediction_difference": Metric(("mean_prediction",), "difference"),
    "mae_difference": Metric(("mae",), "difference"),
    "rmse_difference": Metric(("rmse",), "difference"),
}


def definition(metric: str) -> Metric:
    """The statistics a metric compares and how it compares them."""
    return METRICS[metric]


@dataclass(frozen=True)
class GroupingData:
    """One grouping's groups as the comparison sees them: labels, rows, estimates, the reference group.

    With privileged values naming several groups of a grouping, they are pooled into one reference
    group here (the group tables of the evidence still list them one by one).
    """

    grouping: tuple[str, ...]
    labels: list[str]
    rows: np.ndarray  # (groups,)
    estimate: Callable[[str], Estimate]  # statistic -> estimate shaped (1, groups)
    reference: int | None
    minimum_rows: int


def eligible(data: GroupingData, estimate: Estimate, params: FairnessParams) -> np.ndarray:
    """(1, groups): enough rows, enough rows in the statistic's own denominator, and a defined value."""
    import numpy as np

    return (
        (data.rows >= data.minimum_rows)[None, :]
        & (estimate.denominator >= params.min_rate_denominator)
        & ~np.isnan(estimate.value)
    )


@dataclass(frozen=True)
class AgainstReference:
    """One group compared with the reference group on one statistic."""

    group: str
    statistic: str
    value: float | None  # group minus reference, or group over reference
    interval: tuple[float, float] | None
    group_value: float | None
    reference_value: float | None
    decides: bool  # both the group and the reference are large enough to decide


@dataclass(frozen=True)
class PartResult:
    """One statistic compared over one grouping: its value, the groups that decided it, those set aside."""

    statistic: str
    value: float | None
    low: str | None  # the lowest group; with a reference group: the deciding group
    high: str | None  # the highest group; with a reference group: the reference group
    low_value: float | None
    high_value: float | None
    small_deciders: list[str]
    undefined: list[str]
    reason: str | None = None  # why there is no value
    part: Part | None = None  # what the interval is computed from, when there is a value
    against_reference: list[AgainstReference] = field(default_factory=list)


def _need(params: FairnessParams, statistic: str) -> str:
    words = f"at least {params.min_group_size} rows and {params.min_group_share:.0%} of the data"
    if DENOMINATORS[statistic] != "rows":
        words += f", and {params.min_rate_denominator} {DENOMINATORS[statistic]}"
    return words


def _number(value: np.ndarray | float) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number


def _reference_problem(data: GroupingData, estimate: Estimate, statistic: str, params: FairnessParams) -> str | None:
    """Why the reference group cannot decide this statistic, or None when it can."""
    index = data.reference
    assert index is not None
    name, label = STATISTIC_NAMES[statistic], data.labels[index]
    if math.isnan(float(estimate.value[0, index])):
        return f"the reference group '{label}' has no {DENOMINATORS[statistic]}, so its {name} is undefined"
    rows, denominator = int(data.rows[index]), int(estimate.denominator[0, index])
    if rows < data.minimum_rows:
        return f"the reference group '{label}' is too small to decide ({rows} rows; {_need(params, statistic)})"
    if denominator < params.min_rate_denominator:
        return (
            f"the reference group '{label}' is too small to decide the {name} ({denominator} "
            f"{DENOMINATORS[statistic]}; at least {params.min_rate_denominator} needed)"
        )
    return None


def compare_part(data: GroupingData, statistic: str, how: How, params: FairnessParams) -> PartResult:
    """One statistic over one grouping: the worst comparison of large groups, and the small groups that would decide."""
    estimate = data.estimate(statistic)
    values = estimate.value[0]
    large = eligible(data, estimate, params)
    undefined = [label for label, v in zip(data.labels, values, strict=True) if math.isnan(v)]
    small = [i for i, v in enumerate(values) if not math.isnan(v) and not large[0, i]]
    name = STATISTIC_NAMES[statistic]
    empty = PartResult(statistic, None, None, None, None, None, [], undefined)
    if data.reference is not None:
        return _against_reference(data, statistic, how, params, estimate, large, small, undefined)
    if int(large.sum()) < 2:
        return _replace(
            empty,
            reason=f"fewer than two groups are large enough to compare the {name} ({_need(params, statistic)})",
        )
    judged = [i for i in range(len(values)) if large[0, i]]
    low = min(judged, key=lambda i: values[i])  # the first one on a tie
    high = max(judged, key=lambda i: values[i])
    lowest, highest = values[low], values[high]
    if how == "ratio" and not highest > 0:  # 0/0 is undefined, as in fairlearn: never read as parity
        return _replace(empty, reason=f"the {name} is 0 for every group compared, so the ratio is undefined")
    deciders = [data.labels[i] for i in small if values[i] < lowest or values[i] > highest]
    return PartResult(
        statistic=statistic,
        value=float(highest - lowest if how == "difference" else lowest / highest),
        low=data.labels[low],
        high=data.labels[high],
        low_value=float(lowest),
        high_value=float(highest),
        small_deciders=deciders,
        undefined=undefined,
        part=Part(estimate=estimate, eligible=large, reference=None),
    )


def _replace(result: PartResult, **changes: Any) -> PartResult:
    from dataclasses import replace

    return replace(result, **changes)


def _against_reference(
    data: GroupingData,
    statistic: str,
    how: How,
    params: FairnessParams,
    estimate: Estimate,
    large: np.ndarray,
    small: list[int],
    undefined: list[str],
) -> PartResult:
    """Every group against the reference group: the largest difference in size, or the smallest ratio."""
    import numpy as np

    index = data.reference
    assert index is not None
    values = estimate.value[0]
    reference_label, name = data.labels[index], STATISTIC_NAMES[statistic]
    listed = _listed_against_reference(data, statistic, how, params, estimate, large)
    result = PartResult(
        statistic, None, None, reference_label, None, _number(values[index]), [], undefined, against_reference=listed
    )
    problem = _reference_problem(data, estimate, statistic, params)
    if problem is not None:
        return _replace(result, reason=problem)
    others = [i for i in range(len(values)) if i != index and large[0, i]]
    if not others:
        return _replace(
            result,
            reason=f"no group other than the reference group '{reference_label}' is large "
            f"enough to compare the {name} with it ({_need(params, statistic)})",
        )
    if how == "ratio" and values[index] == 0:
        return _replace(
            result, reason=f"the {name} of the reference group '{reference_label}' is 0, so the ratio is undefined"
        )
    compared = contrast(values[others], np.full(len(others), values[index]), how)
    size = np.abs(compared) if how == "difference" else compared
    best = int(np.argmax(size) if how == "difference" else np.argmin(size))
    worst = float(size[best])
    group_sizes = contrast(values[small], np.full(len(small), values[index]), how)
    deciders = [
        data.labels[i]
        for i, v in zip(small, group_sizes, strict=True)
        if (abs(v) > worst if how == "difference" else v < worst)
    ]
    chosen = others[best]
    return _replace(
        result,
        value=worst,
        low=data.labels[chosen],
        low_value=float(values[chosen]),
        small_deciders=deciders,
        part=Part(estimate=estimate, eligible=large, reference=index),
    )


def _listed_against_reference(
    data: GroupingData, statistic: str, how: How, params: FairnessParams, estimate: Estimate, large: np.ndarray
) -> list[AgainstReference]:
    """Every group with a defined value against the reference: the value, its own interval, whether it decides."""
    import numpy as np

    index = data.reference
    assert index is not None
    values = estimate.value[0]
    others = np.array([i for i in range(len(values)) if i != index], dtype=np.intp)
    compared = contrast(values[others], np.full(len(others), values[index]), how)
    low, high = comparison_intervals(
        Part(estimate, large, index), others, np.full(len(others), index), how, params.confidence
    )
    listed = []
    for position, i in enumerate(others):
        value = _number(compared[position])
        bounds = (_number(low[0, position]), _number(high[0, position]))
        interval = None if value is None or None in bounds or math.isinf(bounds[1] or 0.0) else bounds
        listed.append(
            AgainstReference(
                group=data.labels[i],
                statistic=statistic,
                value=value,
                interval=interval,  # type: ignore[arg-type]
                group_value=_number(values[i]),
                reference_value=_number(values[index]),
                decides=bool(large[0, i] and large[0, index]),
            )
        )
    return listed


@dataclass(frozen=True)
class Comparison:
    """One metric over one grouping: the worst of its parts, and the parts that could not be compared."""

    grouping: tuple[str, ...]
    reference: str | None
    parts: list[PartResult]
    small_groups: list[str]  # groups with too few rows to decide anything

    @property
    def valued(self) -> list[PartResult]:
        return [p for p in self.parts if p.value is not None]

    def deciding(self, how: How) -> PartResult | None:
        """The worst part with a value (the first one on a tie)."""
        valued = self.valued
        if not valued:
            return None
        pick = max if how == "difference" else min
        return pick(valued, key=lambda p: p.value)  # type: ignore[arg-type, return-value]

    @property
    def missing_parts(self) -> list[PartResult]:
        """Parts without a value while another part has one: the metric is incomplete in this grouping."""
        return [p for p in self.parts if p.value is None] if self.valued else []


def compare(data: GroupingData, metric: str, params: FairnessParams) -> Comparison:
    """The metric over one grouping: each of its parts compared."""
    chosen = definition(metric)
    return Comparison(
        grouping=data.grouping,
        reference=None if data.reference is None else data.labels[data.reference],
        parts=[compare_part(data, statistic, chosen.how, params) for statistic in chosen.parts],
        small_groups=[label for label, rows in zip(data.labels, data.rows, strict=True) if rows < data.minimum_rows],
    )
