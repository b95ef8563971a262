"""Group fairness of a classifier's decisions: the measurement of one check, from the merged cell counts.

For each grouping, the groups' counts, rates and Wilson intervals go into the evidence, and the
check's metric is compared over the groups large enough to decide it. The check's value is the worst
grouping's; its interval comes from a stratified bootstrap of the same counts.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from govkit.families.fairness.counts import RATE_NAMES, CellTable, GroupCounts, cell_table, group_counts
from govkit.families.fairness.metrics import Comparison, bootstrap_interval, compare, definition, eligible
from govkit.families.fairness.params import FairnessParams, columns_of, grouping_name, groupings
from govkit.families.fairness.prose import sentence
from govkit.families.fairness.statistics import wilson_interval
from govkit.results import Measurement

if TYPE_CHECKING:
    from govkit.context import AuditContext


def group_table(groups: list[GroupCounts], params: FairnessParams) -> list[dict[str, Any]]:
    """The per-group rows the evidence keeps and the report shows: counts, rates and their Wilson intervals."""
    total = sum(g.rows for g in groups)
    large = eligible(groups, params)
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
            "large_enough": g.label in large,
        }
        for rate in RATE_NAMES:
            value = g.rate(rate)
            row[rate] = None if math.isnan(value) else value
            row[f"{rate}_interval"] = wilson_interval(*g.fraction(rate))
        rows.append(row)
    return rows


def _comparison_evidence(c: Comparison) -> dict[str, Any]:
    return {
        "grouping": grouping_name(c.grouping),
        "value": c.value,
        "rate": c.rate,
        "low_group": c.low,
        "high_group": c.high,
        "small_groups": c.small_groups,
        "small_groups_that_would_decide": c.small_deciders,
        "groups_with_undefined_rate": c.undefined_groups,
    }


def _compare_groupings(
    table: CellTable, found: list[tuple[str, ...]], name: str, params: FairnessParams, reference: str | None
) -> tuple[list[Comparison], dict[str, list[dict[str, Any]]]]:
    """The metric over every grouping that can be compared, and every grouping's group table."""
    comparisons: list[Comparison] = []
    tables: dict[str, list[dict[str, Any]]] = {}
    for grouping in found:
        groups = group_counts(table, grouping)
        tables[grouping_name(grouping)] = group_table(groups, params)
        if reference is not None and reference not in {g.label for g in groups}:
            continue  # the reference group belongs to another grouping
        comparisons.append(compare(groups, name, params, grouping, reference))
    if reference is not None and not comparisons:
        raise ValueError(f"reference group '{reference}' does not occur in any sensitive column")
    return comparisons, tables


def measure(name: str, params: FairnessParams, ctx: AuditContext) -> Measurement:
    """One fairness check of a binary classifier's decisions."""
    if ctx.task != "binary":
        raise ValueError(
            f"fairness.{name} compares binary decisions; this audit's task is {ctx.task} "
            "(set positive_label to say which outcome is favourable)"
        )
    reference = getattr(params, "reference_group", None)
    found = groupings(ctx, params)
    table = cell_table(ctx, columns_of(found))
    comparisons, tables = _compare_groupings(table, found, name, params, reference)
    details: dict[str, Any] = {
        "positive_label": str(ctx.positive_label),
        "min_group_size": params.min_group_size,
        "min_group_share": params.min_group_share,
        "groups": tables,
        "comparisons": [_comparison_evidence(c) for c in comparisons],
    }
    valued = [(c.value, c) for c in comparisons if c.value is not None]
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
    how = definition(name)[1]
    # the worst grouping: the largest difference or the smallest ratio (the first one on a tie)
    if how == "difference":
        value, worst = max(valued, key=lambda pair: pair[0])
    else:
        value, worst = min(valued, key=lambda pair: pair[0])
    details["deciding_grouping"] = grouping_name(worst.grouping)
    deciders = sorted({label for c in comparisons for label in c.small_deciders})
    interval = None
    if params.bootstrap_samples > 0:
        interval = bootstrap_interval(table, name, params, [c.grouping for c in comparisons], reference, ctx.seed)
        details["interval_method"] = (
            f"{params.confidence:.0%} percentile bootstrap, {params.bootstrap_samples} resamples stratified by "
            f"the finest group, seed {ctx.seed}"
        )
    return Measurement(
        value=value,
        interval=interval,
        sample_size=len(ctx.current),
        method="per-group confusion counts (fairlearn definitions)",
        details=details,
        inconclusive_reason=(
            f"groups too small to judge ({', '.join(deciders)}) lie outside the range of the large groups; "
            "collect more data for them"
            if deciders
            else None
        ),
        summary=sentence(worst, tables[details["deciding_grouping"]], how, ctx.positive_label),
    )
