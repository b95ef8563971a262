"""Group fairness of a classifier's decisions, from per-group confusion counts.

Every metric here is a function of four counts per group (true/false positives/negatives) plus
the number of rows and of positive decisions, so it is exact and fast on millions of rows. The
definitions follow fairlearn's (``demographic_parity_ratio`` is the lowest selection rate over the
highest, ``equalized_odds_difference`` the larger of the TPR and FPR gaps), and the tests compare
them with fairlearn's ``MetricFrame`` on the raw rows.

Honesty about small data: groups below ``min_group_size`` rows or ``min_group_share`` of the data
are not used to decide a check. They are listed, and when such a group would have been the one
deciding, the check is inconclusive unless the large groups already show a failure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from govkit.registry import CheckDef
from govkit.results import Measurement

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import AuditContext

NAME = "fairness"
TITLE = "Fairness"

MISSING_GROUP = "(missing)"
WILSON_Z = 1.959963984540054  # two-sided 95%


class FairnessParams(BaseModel):
    """Which groups to compare and how much data a group needs before it can decide a check."""

    model_config = ConfigDict(extra="forbid")

    sensitive: list[str] | None = Field(
        default=None, description="Sensitive columns to use (default: all given to the audit)."
    )
    groupings: Literal["each", "intersectional", "both"] = Field(
        default="both",
        description="Compare groups of each sensitive column on its own, their intersections, or both.",
    )
    min_group_size: int = Field(default=30, ge=1, description="Fewest rows a group needs to decide a check.")
    min_group_share: float = Field(
        default=0.01, ge=0, le=1, description="Smallest share of all rows a group needs to decide a check."
    )


class ReferenceGroupParams(FairnessParams):
    """For ratios against one group: a named reference group, or the most favoured one."""

    reference_group: str | None = Field(
        default=None,
        description="Group every other group is compared with, e.g. 'Male' (default: the group with the "
        "highest selection rate).",
    )


_DECISIONS = frozenset({"current", "prediction", "sensitive", "classifier"})
_OUTCOMES = _DECISIONS | {"target"}

# metric name -> (per-group rate, how groups are compared)
_BETWEEN: dict[str, tuple[tuple[str, ...], Literal["difference", "ratio"]]] = {
    "demographic_parity_difference": (("selection_rate",), "difference"),
    "demographic_parity_ratio": (("selection_rate",), "ratio"),
    "equalized_odds_difference": (("tpr", "fpr"), "difference"),
    "equalized_odds_ratio": (("tpr", "fpr"), "ratio"),
    "equal_opportunity_difference": (("tpr",), "difference"),
    "false_positive_rate_difference": (("fpr",), "difference"),
    "predictive_parity_difference": (("precision",), "difference"),
    "accuracy_difference": (("accuracy",), "difference"),
}

CHECKS: dict[str, CheckDef] = {
    "demographic_parity_difference": CheckDef(
        title="Demographic parity difference",
        doc="Highest minus lowest selection rate across groups (0 = parity).",
        requires=_DECISIONS,
        params=FairnessParams,
        unit="difference",
        higher_is_better=False,
    ),
    "demographic_parity_ratio": CheckDef(
        title="Demographic parity ratio",
        doc="Lowest over highest selection rate across groups (1 = parity; the four-fifths rule asks for 0.8).",
        requires=_DECISIONS,
        params=FairnessParams,
        unit="ratio",
        higher_is_better=True,
    ),
    "disparate_impact_ratio": CheckDef(
        title="Disparate impact ratio (four-fifths rule)",
        doc="Lowest selection rate of any group over the reference group's (default: the most favoured group).",
        requires=_DECISIONS,
        params=ReferenceGroupParams,
        unit="ratio",
        higher_is_better=True,
    ),
    "equalized_odds_difference": CheckDef(
        title="Equalized odds difference",
        doc="The larger of the true-positive-rate gap and the false-positive-rate gap across groups.",
        requires=_OUTCOMES,
        params=FairnessParams,
        unit="difference",
        higher_is_better=False,
    ),
    "equalized_odds_ratio": CheckDef(
        title="Equalized odds ratio",
        doc="The smaller of the lowest/highest true-positive-rate and false-positive-rate ratios across groups.",
        requires=_OUTCOMES,
        params=FairnessParams,
        unit="ratio",
        higher_is_better=True,
    ),
    "equal_opportunity_difference": CheckDef(
        title="Equal opportunity difference",
        doc="Highest minus lowest true positive rate (recall) across groups.",
        requires=_OUTCOMES,
        params=FairnessParams,
        unit="difference",
        higher_is_better=False,
    ),
    "false_positive_rate_difference": CheckDef(
        title="False positive rate difference",
        doc="Highest minus lowest false positive rate across groups.",
        requires=_OUTCOMES,
        params=FairnessParams,
        unit="difference",
        higher_is_better=False,
    ),
    "predictive_parity_difference": CheckDef(
        title="Predictive parity difference",
        doc="Highest minus lowest precision (positive predictive value) across groups.",
        requires=_OUTCOMES,
        params=FairnessParams,
        unit="difference",
        higher_is_better=False,
    ),
    "accuracy_difference": CheckDef(
        title="Accuracy difference",
        doc="Highest minus lowest accuracy across groups.",
        requires=_OUTCOMES,
        params=FairnessParams,
        unit="difference",
        higher_is_better=False,
    ),
}

RATE_NAMES = {
    "selection_rate": "selection rate",
    "tpr": "true positive rate",
    "fpr": "false positive rate",
    "fnr": "false negative rate",
    "precision": "precision",
    "accuracy": "accuracy",
}


# ---------------------------------------------------------------------------------------------
# Per-group counts


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

    def rate(self, name: str) -> float:
        """A per-group rate; NaN when its denominator is zero (e.g. TPR of a group with no positives)."""
        numerator, denominator = {
            "selection_rate": (self.selected, self.rows),
            "tpr": (self.tp, self.tp + self.fn),
            "fpr": (self.fp, self.fp + self.tn),
            "fnr": (self.fn, self.tp + self.fn),
            "precision": (self.tp, self.tp + self.fp),
            "accuracy": (self.tp + self.tn, self.labelled),
        }[name]
        return numerator / denominator if denominator else math.nan

    def denominator(self, name: str) -> int:
        return {
            "selection_rate": self.rows,
            "tpr": self.tp + self.fn,
            "fpr": self.fp + self.tn,
            "fnr": self.tp + self.fn,
            "precision": self.tp + self.fp,
            "accuracy": self.labelled,
        }[name]


def wilson_interval(successes: int, trials: int, z: float = WILSON_Z) -> tuple[float, float] | None:
    """Wilson score interval for a binomial proportion; None when there are no trials."""
    if trials == 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def _group_codes(ctx: AuditContext, columns: tuple[str, ...]) -> tuple[np.ndarray, list[dict[str, str]]]:
    """One integer code per row for the combination of ``columns``; missing values are a group."""
    import numpy as np
    import pandas as pd

    codes = np.zeros(len(ctx.current), dtype=np.int64)
    levels: list[list[str]] = []
    for column in columns:
        values = ctx.current[column]
        labels = values.astype("string").fillna(MISSING_GROUP) if values.isna().any() else values.astype(str)
        column_codes, uniques = pd.factorize(labels, sort=True)
        codes = codes * len(uniques) + column_codes
        levels.append([str(u) for u in uniques])
    # decode the combined codes that occur back into {column: value}
    present = np.unique(codes)
    groups: list[dict[str, str]] = []
    for code in present:
        remainder = int(code)
        values_by_column: dict[str, str] = {}
        for column, column_levels in zip(reversed(columns), reversed(levels), strict=True):
            remainder, index = divmod(remainder, len(column_levels))
            values_by_column[column] = column_levels[index]
        groups.append(dict(reversed(list(values_by_column.items()))))
    dense = np.searchsorted(present, codes)
    return dense, groups


def group_counts(ctx: AuditContext, columns: tuple[str, ...]) -> list[GroupCounts]:
    """Confusion counts for each group of ``columns`` on the current data, in one pass of bincount."""
    return ctx.memo(("fairness.counts", columns), lambda: _count(ctx, columns))


def _count(ctx: AuditContext, columns: tuple[str, ...]) -> list[GroupCounts]:
    import numpy as np
    import pandas as pd

    codes, groups = _group_codes(ctx, columns)
    k = len(groups)
    predicted = np.asarray(ctx.y_pred) == ctx.positive_label
    rows = np.bincount(codes, minlength=k)
    selected = np.bincount(codes, weights=predicted, minlength=k).astype(np.int64)
    cells = np.zeros((k, 4), dtype=np.int64)
    if ctx.target is not None:
        truth_values = ctx.current[ctx.target].to_numpy()
        known = ~pd.isna(truth_values)
        actual = truth_values == ctx.positive_label
        cell = actual.astype(np.int64) * 2 + predicted.astype(np.int64)  # 0 tn, 1 fp, 2 fn, 3 tp
        flat = np.bincount(codes[known] * 4 + cell[known], minlength=k * 4)
        cells = flat.reshape(k, 4)
    return [
        GroupCounts(
            label=" / ".join(values.values()),
            values=values,
            rows=int(rows[i]),
            selected=int(selected[i]),
            tn=int(cells[i, 0]),
            fp=int(cells[i, 1]),
            fn=int(cells[i, 2]),
            tp=int(cells[i, 3]),
        )
        for i, values in enumerate(groups)
    ]


# ---------------------------------------------------------------------------------------------
# Between-group comparison


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


def _eligible(groups: list[GroupCounts], params: FairnessParams, total: int) -> set[str]:
    minimum = max(params.min_group_size, math.ceil(params.min_group_share * total))
    return {g.label for g in groups if g.rows >= minimum}


def _compare_rate(
    groups: list[GroupCounts], rate: str, how: str, eligible: set[str], reference: str | None
) -> tuple[float | None, str | None, str | None, list[str], list[str]]:
    """(value, low group, high group, small groups that would have decided, groups with undefined rate)."""
    defined = [g for g in groups if not math.isnan(g.rate(rate))]
    undefined = [g.label for g in groups if math.isnan(g.rate(rate))]
    judged = [g for g in defined if g.label in eligible]
    if len(judged) < 2 and reference is None:
        return None, None, None, [], undefined
    if reference is not None:
        anchor = next((g for g in judged if g.label == reference), None)
        if anchor is None:
            return None, None, reference, [], undefined
        low = min(judged, key=lambda g: g.rate(rate))
        high = anchor
    else:
        low = min(judged, key=lambda g: g.rate(rate))
        high = max(judged, key=lambda g: g.rate(rate))
    lo, hi = low.rate(rate), high.rate(rate)
    if how == "difference":
        value = hi - lo
    else:
        value = (lo / hi) if hi > 0 else (1.0 if lo == hi else math.nan)
    # A small group outside the range of the large ones would have decided the check.
    small_deciders = [
        g.label
        for g in defined
        if g.label not in eligible and (g.rate(rate) < lo or (reference is None and g.rate(rate) > hi))
    ]
    return value, low.label, high.label, small_deciders, undefined


def compare(
    groups: list[GroupCounts],
    metric: str,
    params: FairnessParams,
    grouping: tuple[str, ...],
    reference: str | None = None,
) -> Comparison:
    rates, how = _BETWEEN.get(metric, (("selection_rate",), "ratio"))
    total = sum(g.rows for g in groups)
    eligible = _eligible(groups, params, total)
    small = [g.label for g in groups if g.label not in eligible]
    results = [(rate, *_compare_rate(groups, rate, how, eligible, reference)) for rate in rates]
    # worst case over the rates compared: the largest difference or the smallest ratio
    valued = [r for r in results if r[1] is not None and not math.isnan(r[1])]
    if not valued:
        first = results[0]
        return Comparison(grouping, None, first[0], None, None, small, first[4], first[5])
    worst = max(valued, key=lambda r: r[1]) if how == "difference" else min(valued, key=lambda r: r[1])
    return Comparison(
        grouping=grouping,
        value=float(worst[1]),
        rate=worst[0],
        low=worst[2],
        high=worst[3],
        small_groups=small,
        small_deciders=sorted({label for r in results for label in r[4]}),
        undefined_groups=sorted({label for r in results for label in r[5]}),
    )


def _groupings(ctx: AuditContext, params: FairnessParams) -> list[tuple[str, ...]]:
    columns = params.sensitive or ctx.sensitive
    unknown = [c for c in columns if c not in ctx.current.columns]
    if unknown:
        raise ValueError(f"sensitive column(s) {', '.join(unknown)} not in the current data")
    found: list[tuple[str, ...]] = []
    if params.groupings in ("each", "both") or len(columns) == 1:
        found += [(c,) for c in columns]
    if params.groupings in ("intersectional", "both") and len(columns) > 1:
        found.append(tuple(columns))
    return found


def group_table(groups: list[GroupCounts], params: FairnessParams) -> list[dict[str, Any]]:
    """The per-group rows the report shows: counts, rates and their Wilson intervals."""
    total = sum(g.rows for g in groups)
    eligible = _eligible(groups, params, total)
    rows = []
    for g in groups:
        row: dict[str, Any] = {
            "group": g.label,
            "values": g.values,
            "count": g.rows,
            "share": g.rows / total if total else 0.0,
            "labelled": g.labelled,
            "selected": g.selected,
            "tp": g.tp,
            "fp": g.fp,
            "tn": g.tn,
            "fn": g.fn,
            "large_enough": g.label in eligible,
        }
        for rate in RATE_NAMES:
            value = g.rate(rate)
            row[rate] = None if math.isnan(value) else value
            successes = {
                "selection_rate": g.selected,
                "tpr": g.tp,
                "fpr": g.fp,
                "fnr": g.fn,
                "precision": g.tp,
                "accuracy": g.tp + g.tn,
            }[rate]
            row[f"{rate}_interval"] = wilson_interval(successes, g.denominator(rate))
        rows.append(row)
    return rows


def run(name: str, params: Any, ctx: AuditContext) -> Measurement:
    if ctx.task != "binary":
        raise ValueError(
            f"fairness.{name} compares binary decisions; this audit's task is {ctx.task} "
            "(set positive_label to say which outcome is favourable)"
        )
    reference = getattr(params, "reference_group", None)
    comparisons: list[Comparison] = []
    tables: dict[str, list[dict[str, Any]]] = {}
    for grouping in _groupings(ctx, params):
        groups = group_counts(ctx, grouping)
        key = " × ".join(grouping)
        tables[key] = group_table(groups, params)
        if reference is not None and reference not in {g.label for g in groups}:
            continue  # the reference group belongs to another grouping
        comparisons.append(compare(groups, name, params, grouping, reference))
    if reference is not None and not comparisons:
        raise ValueError(f"reference group '{reference}' does not occur in any sensitive column")

    how = _BETWEEN.get(name, (("selection_rate",), "ratio"))[1]
    valued = [c for c in comparisons if c.value is not None]
    details: dict[str, Any] = {
        "positive_label": str(ctx.positive_label),
        "min_group_size": params.min_group_size,
        "min_group_share": params.min_group_share,
        "groups": tables,
        "comparisons": [
            {
                "grouping": " × ".join(c.grouping),
                "value": c.value,
                "rate": c.rate,
                "low_group": c.low,
                "high_group": c.high,
                "small_groups": c.small_groups,
                "small_groups_that_would_decide": c.small_deciders,
                "groups_with_undefined_rate": c.undefined_groups,
            }
            for c in comparisons
        ],
    }
    if not valued:
        return Measurement(
            details=details,
            sample_size=len(ctx.current),
            method="per-group confusion counts",
            inconclusive_reason="fewer than two groups are large enough to compare "
            f"(at least {params.min_group_size} rows and {params.min_group_share:.0%} of the data)",
        )
    worst = max(valued, key=lambda c: c.value) if how == "difference" else min(valued, key=lambda c: c.value)
    details["deciding_grouping"] = " × ".join(worst.grouping)
    deciders = sorted({label for c in comparisons for label in c.small_deciders})
    reason = None
    if deciders:
        reason = (
            f"groups too small to judge ({', '.join(deciders)}) lie outside the range of the large groups; "
            "collect more data for them"
        )
    return Measurement(
        value=worst.value,
        sample_size=len(ctx.current),
        method="per-group confusion counts (fairlearn definitions)",
        details=details,
        inconclusive_reason=reason,
        summary=_sentence(name, worst, tables[" × ".join(worst.grouping)], how),
    )


def _sentence(name: str, worst: Comparison, table: list[dict[str, Any]], how: str) -> str:
    """One plain sentence: which groups, which rate, how far apart."""
    rates = {row["group"]: row[worst.rate] for row in table}
    low, high = worst.low, worst.high
    rate_name = RATE_NAMES[worst.rate]
    lo, hi = rates.get(low), rates.get(high)
    if lo is None or hi is None or worst.value is None:
        return ""
    if how == "ratio":
        return (
            f"By {' × '.join(worst.grouping)}: the {rate_name} of {low} ({lo:.2f}) is {worst.value:.2f} times "
            f"that of {high} ({hi:.2f})."
        )
    return (
        f"By {' × '.join(worst.grouping)}: the {rate_name} ranges from {lo:.2f} ({low}) to {hi:.2f} ({high}), "
        f"a gap of {worst.value:.2f}."
    )
