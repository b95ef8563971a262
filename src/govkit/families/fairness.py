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
from collections.abc import Iterator
from contextlib import contextmanager
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
INTRO = (
    "Does the model treat groups of people differently? Rates are compared across the groups of "
    "each sensitive column and their intersections."
)

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
    bootstrap_samples: int = Field(
        default=1000,
        ge=0,
        description="Resamples for the confidence interval of the value (seeded, stratified by group; 0: none).",
    )
    confidence: float = Field(default=0.95, gt=0, lt=1, description="Confidence level of the intervals.")


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
    "mean_prediction_difference": CheckDef(
        title="Mean prediction difference",
        doc="Highest minus lowest mean prediction across groups (regression models).",
        requires=frozenset({"current", "prediction", "sensitive"}),
        params=FairnessParams,
        unit="target units",
        higher_is_better=False,
    ),
    "mae_difference": CheckDef(
        title="Mean absolute error difference",
        doc="Highest minus lowest mean absolute error across groups (regression models).",
        requires=frozenset({"current", "prediction", "sensitive", "target"}),
        params=FairnessParams,
        unit="target units",
        higher_is_better=False,
    ),
    "rmse_difference": CheckDef(
        title="Root mean squared error difference",
        doc="Highest minus lowest root mean squared error across groups (regression models).",
        requires=frozenset({"current", "prediction", "sensitive", "target"}),
        params=FairnessParams,
        unit="target units",
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


def wilson_interval(successes: int, trials: int, z: float = WILSON_Z) -> tuple[float, float] | None:
    """Wilson score interval for a binomial proportion; None when there are no trials."""
    if trials == 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


# The six counts kept per finest cell: labelled rows by (truth, decision), and unlabelled rows by decision.
CELLS = ("tn", "fp", "fn", "tp", "unlabelled_not_selected", "unlabelled_selected")


@dataclass(frozen=True)
class CellTable:
    """Counts per combination of every sensitive column (the finest groups), from one pass over the rows."""

    columns: tuple[str, ...]
    values: list[dict[str, str]]  # one {column: value} per cell
    counts: np.ndarray  # cells x 6, in CELLS order

    def groups(self, grouping: tuple[str, ...]) -> tuple[list[dict[str, str]], np.ndarray]:
        """The groups of a coarser grouping and a cells x groups indicator matrix to sum cells into them."""
        import numpy as np

        keys = [tuple(v[c] for c in grouping) for v in self.values]
        unique = sorted(set(keys))
        index = {key: i for i, key in enumerate(unique)}
        indicator = np.zeros((len(keys), len(unique)), dtype=np.int64)
        for cell, key in enumerate(keys):
            indicator[cell, index[key]] = 1
        return [dict(zip(grouping, key, strict=True)) for key in unique], indicator


def cell_table(ctx: AuditContext, columns: tuple[str, ...]) -> CellTable:
    return ctx.memo(("fairness.cells", columns), lambda: _count_cells(ctx, columns))


def _cell_codes(ctx: AuditContext, columns: tuple[str, ...]) -> tuple[np.ndarray, list[dict[str, str]]]:
    """For each row, the index of its finest cell (its combination of sensitive values), and each cell's values.

    Missing values are a group of their own. Each column is factorised once; only the distinct values are
    turned into text for the labels.
    """
    import numpy as np
    import pandas as pd

    codes = np.zeros(len(ctx.current), dtype=np.int64)
    levels: list[list[str]] = []
    for column in columns:
        raw_codes, uniques = pd.factorize(ctx.current[column], use_na_sentinel=True)
        # values that read the same (1 and "1") are one group; groups are ordered by their text
        texts = [str(u) for u in uniques]
        ordered = sorted(set(texts))
        index = {text: i for i, text in enumerate(ordered)}
        position = np.array([index[t] for t in texts] + [len(ordered)], dtype=np.int64)
        column_codes = position[np.where(raw_codes >= 0, raw_codes, len(texts))]  # -1 (missing) -> last slot
        column_levels = [*ordered, MISSING_GROUP]
        codes = codes * len(column_levels) + column_codes
        levels.append(column_levels)
    present, dense = np.unique(codes, return_inverse=True)
    cell_values: list[dict[str, str]] = []
    for code in present:
        remainder, decoded = int(code), {}
        for column, column_levels in zip(reversed(columns), reversed(levels), strict=True):
            remainder, position = divmod(remainder, len(column_levels))
            decoded[column] = column_levels[position]
        cell_values.append({c: decoded[c] for c in columns})
    return dense, cell_values


def _count_cells(ctx: AuditContext, columns: tuple[str, ...]) -> CellTable:
    """One bincount over the rows: exact, and linear in the number of rows."""
    import numpy as np
    import pandas as pd

    dense, cell_values = _cell_codes(ctx, columns)
    present = cell_values

    predicted = (np.asarray(ctx.y_pred) == ctx.positive_label).astype(np.int64)
    if ctx.target is not None:
        truth = ctx.current[ctx.target].to_numpy()
        known = ~pd.isna(truth)
        actual = (truth == ctx.positive_label).astype(np.int64)
        kind = np.where(known, actual * 2 + predicted, 4 + predicted)  # CELLS order
    else:
        kind = 4 + predicted
    flat = np.bincount(dense * len(CELLS) + kind, minlength=len(present) * len(CELLS))
    return CellTable(columns=columns, values=cell_values, counts=flat.reshape(len(present), len(CELLS)))


def _group_counts_from(values: list[dict[str, str]], counts: np.ndarray) -> list[GroupCounts]:
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


def group_counts(ctx: AuditContext, grouping: tuple[str, ...], all_columns: tuple[str, ...]) -> list[GroupCounts]:
    """Confusion counts for each group of ``grouping``, summed from the finest cells."""
    table = cell_table(ctx, all_columns)
    values, indicator = table.groups(grouping)
    return _group_counts_from(values, indicator.T @ table.counts)


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
    # why there is no value: too few large groups, or a ratio of rates that are all zero
    reason: str | None = None


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
        # 0/0 (no group ever gets the outcome) is undefined, as in fairlearn: never read as parity
        value = (lo / hi) if hi > 0 else math.nan
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
        zero = any(r[1] is not None for r in results)  # NaN, not None: a ratio of rates that are all 0
        reason = (
            f"the {' and the '.join(RATE_NAMES[r] for r in rates)} is 0 for every group compared, so the ratio "
            "is undefined"
            if zero
            else None
        )
        return Comparison(grouping, None, first[0], None, None, small, first[4], first[5], reason)
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
            row[f"{rate}_interval"] = wilson_interval(*g.fraction(rate))
        rows.append(row)
    return rows


REGRESSION_STATS = {
    "mean_prediction_difference": "mean_prediction",
    "mae_difference": "mae",
    "rmse_difference": "rmse",
}


def run(name: str, params: Any, ctx: AuditContext) -> Measurement:
    if name in REGRESSION_STATS:
        return _run_regression(name, params, ctx)
    if ctx.task != "binary":
        raise ValueError(
            f"fairness.{name} compares binary decisions; this audit's task is {ctx.task} "
            "(set positive_label to say which outcome is favourable)"
        )
    reference = getattr(params, "reference_group", None)
    comparisons: list[Comparison] = []
    tables: dict[str, list[dict[str, Any]]] = {}
    groupings = _groupings(ctx, params)
    all_columns = tuple(dict.fromkeys(c for grouping in groupings for c in grouping))
    for grouping in groupings:
        groups = group_counts(ctx, grouping, all_columns)
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
        reasons = sorted({c.reason for c in comparisons if c.reason})
        return Measurement(
            details=details,
            sample_size=len(ctx.current),
            method="per-group confusion counts",
            inconclusive_reason="; ".join(reasons)
            or "fewer than two groups are large enough to compare "
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
    interval = None
    if params.bootstrap_samples > 0:
        judged = [c.grouping for c in comparisons]
        interval = bootstrap_interval(ctx, name, params, all_columns, judged, reference)
        details["interval_method"] = (
            f"{params.confidence:.0%} percentile bootstrap, {params.bootstrap_samples} resamples stratified by "
            f"the finest group, seed {ctx.seed}"
        )
    return Measurement(
        value=worst.value,
        interval=interval,
        sample_size=len(ctx.current),
        method="per-group confusion counts (fairlearn definitions)",
        details=details,
        inconclusive_reason=reason,
        summary=_sentence(name, worst, tables[" × ".join(worst.grouping)], how, ctx.positive_label),
    )


# ---------------------------------------------------------------------------------------------
# Bootstrap intervals, from counts


def _rates(counts: np.ndarray, rate: str) -> np.ndarray:
    """A rate for every (resample, group) from counts shaped (..., groups, 6); NaN where undefined."""
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


def metric_from_counts(
    counts: np.ndarray, metric: str, eligible: np.ndarray, reference_index: int | None
) -> np.ndarray:
    """The between-group metric for every resample: counts (resamples, groups, 6) -> (resamples,)."""
    import numpy as np

    rates, how = _BETWEEN.get(metric, (("selection_rate",), "ratio"))
    values = []
    for rate in rates:
        per_group = _rates(counts, rate)
        judged = np.where(eligible[None, :], per_group, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"), _quiet_nan_warnings():
            low = np.nanmin(judged, axis=1)
            high = judged[:, reference_index] if reference_index is not None else np.nanmax(judged, axis=1)
            if how == "difference":
                values.append(high - low)
            else:
                values.append(np.where(high > 0, low / np.where(high > 0, high, 1), np.nan))
    stacked = np.vstack(values)
    with _quiet_nan_warnings():
        return np.nanmax(stacked, axis=0) if how == "difference" else np.nanmin(stacked, axis=0)


@contextmanager
def _quiet_nan_warnings() -> Iterator[None]:
    """All-NaN slices are expected (a rate undefined in a resample) and handled by the caller."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def bootstrap_interval(
    ctx: AuditContext,
    metric: str,
    params: FairnessParams,
    all_columns: tuple[str, ...],
    groupings: list[tuple[str, ...]],
    reference: str | None,
) -> tuple[float, float] | None:
    """Percentile interval of the check's value (the worst over groupings) under a stratified bootstrap.

    Rows are resampled within each finest cell (every combination of sensitive values), which is
    a multinomial draw over the cell's six counts; coarser groups are sums of cells, so every
    grouping sees the same resample and no group ever vanishes from it.
    """
    import numpy as np

    table = cell_table(ctx, all_columns)
    rng = np.random.default_rng(ctx.seed)
    draws = np.empty((params.bootstrap_samples, *table.counts.shape), dtype=np.int64)
    for cell, counts in enumerate(table.counts):
        total = int(counts.sum())
        draws[:, cell, :] = rng.multinomial(total, counts / total, size=params.bootstrap_samples)
    how = _BETWEEN.get(metric, (("selection_rate",), "ratio"))[1]
    per_grouping = []
    for grouping in groupings:
        values, indicator = table.groups(grouping)
        observed = _group_counts_from(values, indicator.T @ table.counts)
        eligible_labels = _eligible(observed, params, sum(g.rows for g in observed))
        eligible = np.array([g.label in eligible_labels for g in observed])
        labels = [g.label for g in observed]
        index = labels.index(reference) if reference is not None and reference in labels else None
        if reference is not None and index is None:
            continue
        grouped = np.einsum("bcs,cg->bgs", draws, indicator)
        per_grouping.append(metric_from_counts(grouped, metric, eligible, index))
    if not per_grouping:
        return None
    stacked = np.vstack(per_grouping)
    with _quiet_nan_warnings():
        worst = np.nanmax(stacked, axis=0) if how == "difference" else np.nanmin(stacked, axis=0)
    worst = worst[~np.isnan(worst)]
    if len(worst) == 0:
        return None
    tail = (1 - params.confidence) / 2 * 100
    low, high = np.percentile(worst, [tail, 100 - tail])
    return float(low), float(high)


RATE_PHRASES = {
    "selection_rate": "{label} rows are given {outcome}",
    "tpr": "among rows whose true outcome is {outcome}, {label} rows are predicted so",
    "fpr": "among rows whose true outcome is not {outcome}, {label} rows are wrongly predicted {outcome}",
    "fnr": "among rows whose true outcome is {outcome}, {label} rows are missed",
    "precision": "of the {label} rows predicted {outcome}, the share truly {outcome}",
    "accuracy": "{label} rows are predicted correctly",
}


def _sentence(name: str, worst: Comparison, table: list[dict[str, Any]], how: str, positive: Any) -> str:
    """One plain sentence a PM can read: which groups, which rate, how far apart."""
    rates = {row["group"]: row[worst.rate] for row in table}
    low, high = worst.low, worst.high
    lo, hi = rates.get(low), rates.get(high)
    if lo is None or hi is None or worst.value is None:
        return ""
    outcome = f"'{positive}'"
    grouping = " × ".join(worst.grouping)
    if worst.rate == "selection_rate" and how == "ratio":
        return (
            f"By {grouping}: {low} rows are given {outcome} at {worst.value:.2f} times the rate of {high} rows "
            f"({lo:.1%} vs {hi:.1%})."
        )
    if how == "ratio":
        return (
            f"By {grouping}: the {RATE_NAMES[worst.rate]} of {low} ({lo:.1%}) is {worst.value:.2f} times that of "
            f"{high} ({hi:.1%})."
        )
    phrase = RATE_PHRASES[worst.rate].format(label=low, outcome=outcome)
    return (
        f"By {grouping}: {phrase[0].upper() + phrase[1:]} {lo:.1%} of the time, against {hi:.1%} for {high}; "
        f"a gap of {worst.value:.2f}."
        if worst.rate != "precision"
        else f"By {grouping}: {phrase} is {lo:.1%}, against {hi:.1%} for {high}; a gap of {worst.value:.2f}."
    )


# ---------------------------------------------------------------------------------------------
# Regression: group-wise errors and mean predictions, from per-cell sums


def _regression_cells(ctx: AuditContext, columns: tuple[str, ...]) -> tuple[list[dict[str, str]], np.ndarray]:
    """Per finest cell: rows, sum of predictions, labelled rows, sum of |error|, sum of error²."""

    def compute() -> tuple[list[dict[str, str]], np.ndarray]:
        import numpy as np
        import pandas as pd

        dense, values_out = _cell_codes(ctx, columns)
        k = len(values_out)
        predicted = np.asarray(ctx.y_pred, dtype=float)
        sums = np.zeros((k, 5))
        sums[:, 0] = np.bincount(dense, minlength=k)
        sums[:, 1] = np.bincount(dense, weights=predicted, minlength=k)
        if ctx.target is not None:
            truth = pd.to_numeric(ctx.current[ctx.target], errors="coerce").to_numpy(dtype=float)
            known = ~np.isnan(truth)
            error = predicted[known] - truth[known]
            sums[:, 2] = np.bincount(dense[known], minlength=k)
            sums[:, 3] = np.bincount(dense[known], weights=np.abs(error), minlength=k)
            sums[:, 4] = np.bincount(dense[known], weights=error * error, minlength=k)
        return values_out, sums

    return ctx.memo(("fairness.regression_cells", columns), compute)


def _run_regression(name: str, params: Any, ctx: AuditContext) -> Measurement:
    import numpy as np

    if ctx.task != "regression":
        raise ValueError(f"fairness.{name} is for regression models; this audit's task is {ctx.task}")
    stat = REGRESSION_STATS[name]
    groupings = _groupings(ctx, params)
    all_columns = tuple(dict.fromkeys(c for grouping in groupings for c in grouping))
    cell_values, sums = _regression_cells(ctx, all_columns)
    tables: dict[str, list[dict[str, Any]]] = {}
    candidates: list[tuple[float, str, str, str, list[str]]] = []
    for grouping in groupings:
        keys = [tuple(v[c] for c in grouping) for v in cell_values]
        unique = sorted(set(keys))
        grouped = np.zeros((len(unique), sums.shape[1]))
        for cell, key in enumerate(keys):
            grouped[unique.index(key)] += sums[cell]
        total = grouped[:, 0].sum()
        minimum = max(params.min_group_size, math.ceil(params.min_group_share * total))
        rows = []
        for key, (n, sum_pred, labelled, sum_abs, sum_sq) in zip(unique, grouped, strict=True):
            rows.append(
                {
                    "group": " / ".join(key),
                    "count": int(n),
                    "share": float(n / total) if total else 0.0,
                    "mean_prediction": float(sum_pred / n) if n else None,
                    "mae": float(sum_abs / labelled) if labelled else None,
                    "rmse": float(math.sqrt(sum_sq / labelled)) if labelled else None,
                    "large_enough": bool(n >= minimum),
                }
            )
        label = " × ".join(grouping)
        tables[label] = rows
        judged = [r for r in rows if r["large_enough"] and r[stat] is not None]
        if len(judged) >= 2:
            low = min(judged, key=lambda r: r[stat])
            high = max(judged, key=lambda r: r[stat])
            small = [
                r["group"]
                for r in rows
                if not r["large_enough"] and r[stat] is not None and not low[stat] <= r[stat] <= high[stat]
            ]
            candidates.append((high[stat] - low[stat], label, low["group"], high["group"], small))
    details: dict[str, Any] = {"groups": tables, "statistic": stat, "min_group_size": params.min_group_size}
    if not candidates:
        return Measurement(
            details=details,
            inconclusive_reason="fewer than two groups are large enough to compare "
            f"(at least {params.min_group_size} rows and {params.min_group_share:.0%} of the data)",
        )
    value, grouping, low, high, small = max(candidates)
    details["deciding_grouping"] = grouping
    lookup = {r["group"]: r[stat] for r in tables[grouping]}
    words = {"mean_prediction": "mean prediction", "mae": "mean absolute error", "rmse": "RMSE"}[stat]
    return Measurement(
        value=float(value),
        sample_size=len(ctx.current),
        method="per-group sums",
        details=details,
        inconclusive_reason=(
            f"groups too small to judge ({', '.join(small)}) lie outside the range of the large groups"
            if small
            else None
        ),
        summary=f"By {grouping}: the {words} ranges from {lookup[low]:.4g} ({low}) to {lookup[high]:.4g} ({high}).",
    )
