"""Group fairness of a classifier's decisions: the measurement of one check, from the merged cell counts.

For each grouping, the groups' counts, rates and Wilson intervals go into the evidence, and the
check's statistics are compared over the groups large enough to decide them (with the reference
group, when one is set). The check's value is the worst grouping's; its interval covers the worst of
all the comparisons that could decide it (``intervals``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from govkit.errors import InputError
from govkit.families.fairness.counts import RATE_NAMES, CellTable, GroupCounts, cell_table, group_counts_from
from govkit.families.fairness.intervals import How
from govkit.families.fairness.metrics import Comparison, GroupingData, compare, definition
from govkit.families.fairness.outcome import decide
from govkit.families.fairness.params import FairnessParams, columns_of, grouping_name, groupings, minimum_rows
from govkit.families.fairness.prose import sentence
from govkit.families.fairness.reference import members, missing_reference, pool
from govkit.families.fairness.statistics import Average, Estimate, Proportion, fraction, wilson_interval, z_for
from govkit.results import Measurement

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import AuditContext

# The interval of each kind of comparison, as the evidence's method names it.
METHODS = {
    "difference": "Newcombe's hybrid score intervals (MOVER with Wilson limits)",
    "ratio": "Donner and Zou's MOVER-R intervals with Wilson limits",
}
# The rates whose own denominator the group table checks against min_rate_denominator.
_DENOMINATOR_RATES = tuple(RATE_NAMES)


def classification_estimate(counts: np.ndarray, statistic: str) -> Estimate:
    """A per-group statistic from counts shaped (..., groups, 6): a rate, or the average of TPR and FPR."""
    if statistic == "average_odds":
        return Average(Proportion(*fraction(counts, "tpr")), Proportion(*fraction(counts, "fpr")))
    return Proportion(*fraction(counts, statistic))


def group_table(groups: list[GroupCounts], params: FairnessParams) -> list[dict[str, Any]]:
    """The per-group rows the evidence keeps and the report shows: counts, rates and their Wilson intervals."""
    total = sum(g.rows for g in groups)
    minimum = minimum_rows(params, total)
    z = z_for(params.confidence)
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
            "large_enough": g.rows >= minimum,
        }
        for rate in RATE_NAMES:
            value = g.rate(rate)
            row[rate] = None if math.isnan(value) else value
            row[f"{rate}_interval"] = wilson_interval(*g.fraction(rate), z=z)
        # a group with too few rows decides nothing; a large one may still lack the rows a rate is taken over
        row["too_few_for"] = [
            rate
            for rate in _DENOMINATOR_RATES
            if row["large_enough"] and 0 < g.fraction(rate)[1] < params.min_rate_denominator
        ]
        rows.append(row)
    return rows


def grouping_data(
    table: CellTable, grouping: tuple[str, ...], params: FairnessParams
) -> tuple[list[GroupCounts], GroupingData | None]:
    """A grouping's groups, and what its comparison sees (None: the grouping has no reference group)."""
    values, indicator = table.groups(grouping)
    counts = indicator.T @ table.counts
    groups = group_counts_from(values, counts)
    chosen = members(values, grouping, params)
    if chosen is None:
        return groups, None
    pooled = pool([g.label for g in groups], counts, chosen)
    rows = pooled.table.sum(axis=1)

    def estimate(statistic: str) -> Estimate:
        return classification_estimate(pooled.table[None, :, :], statistic)

    data = GroupingData(
        grouping=grouping,
        labels=pooled.labels,
        rows=rows,
        estimate=estimate,
        reference=pooled.reference,
        minimum_rows=minimum_rows(params, float(rows.sum())),
    )
    return groups, data


def comparison_evidence(c: Comparison, how: How) -> dict[str, Any]:
    """One grouping's comparison as the evidence keeps it (later keys only when they say something)."""
    part = c.deciding(how)
    shown = part if part is not None else c.parts[0]
    found: dict[str, Any] = {
        "grouping": grouping_name(c.grouping),
        "value": None if part is None else part.value,
        "rate": shown.statistic,
        "low_group": shown.low,
        "high_group": shown.high,
        "small_groups": c.small_groups,
        "small_groups_that_would_decide": sorted({label for p in c.parts for label in p.small_deciders}),
        "groups_with_undefined_rate": sorted({label for p in c.parts for label in p.undefined}),
    }
    reasons = [p.reason for p in c.parts if p.reason]
    if reasons:
        found["reason"] = "; ".join(reasons)
    if c.reference is not None:
        found["reference_group"] = c.reference
        found["how"] = how
        found["against_reference"] = [
            {
                "group": a.group,
                "rate": a.statistic,
                "value": a.value,
                "interval": a.interval,
                "group_value": a.group_value,
                "reference_value": a.reference_value,
                "decides": a.decides,
            }
            for p in c.parts
            for a in p.against_reference
        ]
    return found


def _compare_groupings(
    table: CellTable, found: list[tuple[str, ...]], name: str, params: FairnessParams
) -> tuple[list[Comparison], dict[str, list[dict[str, Any]]]]:
    """The metric over every grouping that can be compared, and every grouping's group table."""
    comparisons: list[Comparison] = []
    tables: dict[str, list[dict[str, Any]]] = {}
    for grouping in found:
        groups, data = grouping_data(table, grouping, params)
        tables[grouping_name(grouping)] = group_table(groups, params)
        if data is not None:
            comparisons.append(compare(data, name, params))
    if params.compares_with_reference and not comparisons:
        raise missing_reference(params, tables)
    return comparisons, tables


def compared(
    name: str, params: FairnessParams, ctx: AuditContext, positive: Any = None
) -> tuple[list[Comparison], dict[str, list[dict[str, Any]]]]:
    """Every grouping's comparison and group table, with ``positive`` (a label or a tuple) as the favourable outcome."""
    found = groupings(ctx, params)
    table = cell_table(ctx, columns_of(found), positive)
    return _compare_groupings(table, found, name, params)


def base_details(
    params: FairnessParams,
    positive_text: str,
    tables: dict[str, list[dict[str, Any]]],
    comparisons: list[dict[str, Any]],
) -> dict[str, Any]:
    """The evidence every classification check keeps, in the order results.json has always had it."""
    return {
        "positive_label": positive_text,
        "min_group_size": params.min_group_size,
        "min_group_share": params.min_group_share,
        "min_rate_denominator": params.min_rate_denominator,
        "confidence": params.confidence,
        "groups": tables,
        "comparisons": comparisons,
    }


def method_text(params: FairnessParams) -> str:
    """The measurement's method line: fairlearn's definitions, or AIF360's against a reference group."""
    if params.compares_with_reference:
        return "per-group confusion counts (AIF360 conventions against the reference group)"
    return "per-group confusion counts (fairlearn definitions)"


def measure(name: str, params: FairnessParams, ctx: AuditContext) -> Measurement:
    """One fairness check of a binary classifier's decisions."""
    if ctx.task != "binary":
        raise InputError(
            f"fairness.{name} compares a classifier's decisions; this audit's task is {ctx.task}, so it does not apply"
        )
    comparisons, tables = compared(name, params, ctx)
    how = definition(name).how
    details = base_details(params, str(ctx.positive_label), tables, [comparison_evidence(c, how) for c in comparisons])
    outcome = decide(comparisons, name, params, METHODS[how])
    if outcome.value is None or outcome.deciding is None or outcome.part is None:
        return Measurement(
            details=details,
            sample_size=ctx.current_rows,
            method="per-group confusion counts",
            inconclusive_reason=outcome.inconclusive_reason,
        )
    details["deciding_grouping"] = grouping_name(outcome.deciding.grouping)
    if outcome.interval_method is not None:
        details["interval_method"] = outcome.interval_method
    reference = params.compares_with_reference
    return Measurement(
        value=outcome.value,
        interval=outcome.interval,
        sample_size=ctx.current_rows,
        method=method_text(params),
        details=details,
        inconclusive_reason=outcome.inconclusive_reason,
        summary=sentence(outcome.deciding.grouping, outcome.part, how, ctx.positive_label, reference),
    )
