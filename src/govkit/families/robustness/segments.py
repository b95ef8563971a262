"""Weak segments: slices of the data, defined by one or two features, where the model does much worse.

The search follows SliceFinder (Chung et al., 2019) in spirit: enumerate small slices, test each
against the rest, correct for the number tried. Each column is coded once (``columns``); a slice's
rows, errors and squared errors are bincounts over one code or a pair of codes, so a slice costs
nothing beyond the pass over its column pair. One-feature slices come first, then pairs in column
order, until the budget (``max_slices`` tested slices) is spent; the evidence says where it stopped.

A slice is tested only with at least ``min_size`` rows. It is *weak* when the one-sided test that it is
worse than the rows outside it survives Holm's correction over every slice tested (family-wise error
``alpha``), and its value is at least ``min_ratio`` times the overall value. The check's value is the
number of weak slices.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any

from govkit.families.robustness.columns import code_column, input_columns
from govkit.families.robustness.outcomes import Outcomes, default_metric, outcomes
from govkit.families.robustness.statistics import holm, mean_interval, mean_worse_p, rate_worse_p, wilson
from govkit.results import Measurement

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import AuditContext
    from govkit.families.robustness.columns import Coded
    from govkit.families.robustness.params import WeakSegmentParams

RATE_TEST = (
    "one-sided (slice worse than the rows outside it): the larger p of the exact binomial test and the "
    "continuity-corrected two-proportion z test"
)
MEAN_TEST = "Welch z test on mean absolute errors, one-sided (slice worse than the rows outside it)"


@dataclass
class Tested:
    """The slices tested so far: their definitions and sums."""

    conditions: list[list[tuple[str, str]]]
    count: list[np.ndarray]
    total: list[np.ndarray]
    squares: list[np.ndarray]
    size: int = 0


def _cells(codes: np.ndarray, cells: int, values: np.ndarray, binary: bool) -> tuple[np.ndarray, ...]:
    """Rows, sum and sum of squares of ``values`` per cell; one pass for 0/1 values (rates)."""
    import numpy as np

    if binary:
        both = np.bincount(codes * 2 + values.astype(np.int64), minlength=2 * cells).reshape(cells, 2)
        bad = both[:, 1].astype(float)
        return both.sum(axis=1).astype(float), bad, bad
    count = np.bincount(codes, minlength=cells).astype(float)
    total = np.bincount(codes, weights=values, minlength=cells)
    squares = np.bincount(codes, weights=values * values, minlength=cells)
    return count, total, squares


def _add(tested: Tested, group: tuple[Coded, ...], values: np.ndarray, params: WeakSegmentParams, binary: bool) -> bool:
    """Test the slices of one column or column pair; False (nothing added) when they would exceed the budget."""
    import numpy as np

    shape: tuple[int, ...]
    if len(group) == 1:
        codes, shape = group[0].codes, (len(group[0].labels),)
    else:
        first, second = group
        codes = first.codes * len(second.labels) + second.codes
        shape = (len(first.labels), len(second.labels))
    count, total, squares = _cells(codes, int(np.prod(shape)), values, binary)
    kept = np.flatnonzero(count >= params.min_size)
    if tested.size + len(kept) > params.max_slices:
        return False
    positions = np.unravel_index(kept, shape)
    for at in zip(*(p.tolist() for p in positions), strict=True):
        tested.conditions.append([(c.column, c.labels[i]) for c, i in zip(group, at, strict=True)])
    tested.count.append(count[kept])
    tested.total.append(total[kept])
    tested.squares.append(squares[kept])
    tested.size += len(kept)
    return True


def _search(coded: list[Coded], values: np.ndarray, params: WeakSegmentParams) -> tuple[Tested, bool, int]:
    """Every slice within the budget: (tested, budget reached, column pairs skipped)."""
    tested = Tested([], [], [], [])
    groups: list[tuple[Coded, ...]] = [(c,) for c in coded]
    if params.max_features == 2:
        groups += list(combinations(coded, 2))
    binary = bool(((values == 0) | (values == 1)).all())
    for index, group in enumerate(groups):
        if not _add(tested, group, values, params, binary):
            skipped_pairs = sum(1 for g in groups[index:] if len(g) == 2)
            return tested, True, skipped_pairs
    return tested, False, 0


def _columns(ctx: AuditContext, params: WeakSegmentParams) -> tuple[list[str], list[str]]:
    candidates = input_columns(ctx)
    if params.include_sensitive:
        return candidates + [c for c in ctx.sensitive if c not in candidates and c in ctx.current.columns], []
    return [c for c in candidates if c not in ctx.sensitive], [c for c in ctx.sensitive if c in candidates]


def _coded(ctx: AuditContext, columns: list[str], rows: np.ndarray, params: WeakSegmentParams) -> list[Coded]:
    from govkit.families.robustness.columns import Coded

    found = []
    for column in columns:
        reference = ctx.reference[column] if ctx.reference is not None and column in ctx.reference.columns else None
        whole = code_column(column, ctx.current[column], reference, params.bins, params.max_values)
        found.append(Coded(column=column, codes=whole.codes[rows], labels=whole.labels))
    return found


def _statistics(
    metric: str, tested: Tested, values: np.ndarray, params: WeakSegmentParams
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray], np.ndarray, float, tuple[float, float]]:
    """Per tested slice: rows, value, interval and one-sided p-value; and the overall value and interval."""
    import numpy as np

    n, total_all, squares_all = float(len(values)), float(values.sum()), float((values * values).sum())
    count = np.concatenate(tested.count) if tested.count else np.zeros(0)
    total = np.concatenate(tested.total) if tested.total else np.zeros(0)
    squares = np.concatenate(tested.squares) if tested.squares else np.zeros(0)
    if metric == "mae":
        p = mean_worse_p(total, squares, count, total_all, squares_all, n)
        interval = mean_interval(total, squares, count, params.confidence)
        whole = mean_interval(np.array([total_all]), np.array([squares_all]), np.array([n]), params.confidence)
    else:
        p = rate_worse_p(total, count, total_all, n)
        interval = wilson(total, count, params.confidence)
        whole = wilson(np.array([total_all]), np.array([n]), params.confidence)
    value = total / np.maximum(count, 1)
    return count, value, interval, p, total_all / n, (float(whole[0][0]), float(whole[1][0]))


def measure(params: WeakSegmentParams, ctx: AuditContext) -> Measurement:
    """Search the slices and count the weak ones."""
    metric = params.metric or default_metric(ctx)
    found = outcomes(ctx, metric)
    columns, excluded = _columns(ctx, params)
    if len(found.values) == 0:
        return Measurement(inconclusive_reason=f"no row to compute the {metric.replace('_', ' ')} on", details={})
    tested, reached, skipped = _search(_coded(ctx, columns, found.rows, params), found.values, params)
    count, value, (low, high), p, overall, overall_interval = _statistics(metric, tested, found.values, params)
    adjusted = holm(p)
    weak = (adjusted <= params.alpha) & (value >= params.min_ratio * overall) & (value > overall)
    n = len(found.values)
    details: dict[str, Any] = {
        "metric": metric,
        "overall": overall,
        "overall_interval": overall_interval,
        "rows": int(n),
        "rows_without_target": found.unlabelled,
        "columns": columns,
        "excluded_sensitive": excluded,
        "max_features": params.max_features,
        "min_size": params.min_size,
        "budget": params.max_slices,
        "slices_tested": tested.size,
        "budget_reached": reached,
        "column_pairs_skipped": skipped,
        "correction": "holm",
        "test": MEAN_TEST if metric == "mae" else RATE_TEST,
        "alpha": params.alpha,
        "min_ratio": params.min_ratio,
        "confidence": params.confidence,
        "weak_count": int(weak.sum()),
        "slices": _top(tested, found, count, value, (low, high), p, adjusted, weak, overall, params.top_k),
    }
    return Measurement(
        value=float(weak.sum()),
        sample_size=int(n),
        method=f"slices of one{' or two' if params.max_features == 2 else ''} features; {details['test']}; Holm",
        details=details,
        summary=_summary(details),
        inconclusive_reason=None if tested.size else f"no slice has at least {params.min_size} rows to test",
    )


def _top(
    tested: Tested,
    found: Outcomes,
    count: np.ndarray,
    value: np.ndarray,
    interval: tuple[np.ndarray, np.ndarray],
    p: np.ndarray,
    adjusted: np.ndarray,
    weak: np.ndarray,
    overall: float,
    top_k: int,
) -> list[dict[str, Any]]:
    """Weak slices worst first (larger first on ties), then the most significant of the others."""
    import numpy as np

    weak_order = np.lexsort((-count, -value, ~weak))[: int(weak.sum())]
    others = np.flatnonzero(~weak)
    rest = others[np.lexsort((-value[others], p[others]))]
    chosen = np.concatenate([weak_order, rest])[:top_k]
    return [
        {
            "conditions": [{"column": c, "value": v} for c, v in tested.conditions[i]],
            "rows": int(count[i]),
            "share": float(count[i] / len(found.values)),
            "value": float(value[i]),
            "interval": (float(interval[0][i]), float(interval[1][i])),
            "ratio": float(value[i] / overall) if overall > 0 else None,
            "p_value": float(p[i]),
            "adjusted_p_value": float(adjusted[i]),
            "weak": bool(weak[i]),
        }
        for i in chosen
    ]


def _summary(details: dict[str, Any]) -> str:
    metric = details["metric"].replace("_", " ")
    tried = f"{details['slices_tested']:,} slices tested" + (" (budget reached)" if details["budget_reached"] else "")
    if not details["weak_count"]:
        return f"No slice is significantly worse than overall on {metric} ({tried})."
    worst = details["slices"][0]
    where = " and ".join(f"{c['column']} = {c['value']}" for c in worst["conditions"])
    return (
        f"{details['weak_count']} slice(s) much worse than overall on {metric} ({tried}); worst: {where}, "
        f"{worst['value']:.3g} against {details['overall']:.3g} overall on {worst['rows']:,} rows."
    )
