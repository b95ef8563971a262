"""Each grouping's gap in every regression statistic, with a bootstrap interval for the two groups named.

For one grouping and one statistic (mean prediction, mean signed error = prediction minus truth, MAE,
RMSE), the gap is the highest large group's value minus the lowest's (the family's comparison,
``metrics.compare_part``), or with a reference group, the value of the group furthest from the reference
minus the reference's. Its interval is a percentile interval over Poisson bootstrap replicates
(``bootstrap``) of the gap between *those same two groups*: it says how precisely this pair's gap is
known. It is not corrected for the pair having been chosen as the extremes; the check's own interval
(MOVER, corrected for choosing the worst comparison) is the one a policy's ``fail_when`` reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.fairness.bootstrap import METHOD, REPLICATES, Resampled, percentile_interval
from govkit.families.fairness.counts import cell_values, group_indicator
from govkit.families.fairness.metrics import GroupingData, compare_part
from govkit.families.fairness.params import FairnessParams, minimum_rows
from govkit.families.fairness.reference import members, pool
from govkit.families.fairness.sums import GROUP_STATISTICS, SUMS, regression_estimate, row_sums

if TYPE_CHECKING:
    import numpy as np

    from govkit.context import AuditContext, Batch
    from govkit.families.fairness.statistics import Estimate


def resampled_cells(ctx: AuditContext, columns: tuple[str, ...]) -> tuple[list[dict[str, str]], np.ndarray]:
    """Each cell's values and its sums in every replicate (cells x replicates x SUMS), counted once per audit."""

    target = ctx.target  # the accumulator travels to where the rows are (Spark's executors): not the context

    def compute() -> tuple[list[dict[str, str]], np.ndarray]:
        def values(batch: Batch) -> Any:
            return row_sums(batch, columns, target)

        accumulator = Resampled(seed=ctx.seed, replicates=REPLICATES, width=len(SUMS), row_values=values)
        counted = ctx.accumulate(accumulator)
        sums = counted.sums.reshape(len(counted.keys), REPLICATES, len(SUMS))
        return cell_values(columns, counted.keys), sums

    return ctx.memo(("fairness.regression_bootstrap", columns, ctx.seed), compute)


def bootstrap_method(ctx: AuditContext) -> dict[str, Any]:
    """The ``bootstrap`` evidence: how the gaps' intervals were resampled."""
    return {
        "replicates": REPLICATES,
        "seed": ctx.seed,
        "method": METHOD.format(replicates=REPLICATES, seed=ctx.seed),
    }


def grouping_gaps(
    ctx: AuditContext,
    grouped: tuple[list[dict[str, str]], np.ndarray],
    grouping: tuple[str, ...],
    columns: tuple[str, ...],
    params: FairnessParams,
) -> list[dict[str, Any]] | None:
    """The gap in every statistic over one grouping (None: the grouping has no reference group to compare with).

    ``grouped`` is the grouping's groups and their sums (groups x SUMS), as ``sums.grouped_sums`` gives them.
    """
    values, table = grouped
    found = grouping_data(values, table, grouping, params)
    if found is None:
        return None
    data, chosen = found
    labels = [" / ".join(v.values()) for v in values]
    replicates = _replicate_table(ctx, columns, grouping, labels, chosen) if params.intervals else None
    return [_gap(data, statistic, replicates, params) for statistic in GROUP_STATISTICS]


def grouping_data(
    values: list[dict[str, str]], table: np.ndarray, grouping: tuple[str, ...], params: FairnessParams
) -> tuple[GroupingData, list[int]] | None:
    """A grouping's groups (the reference pooled) as the comparison reads them, and the groups pooled into
    the reference; None when the grouping has no reference group to compare with.

    ``values`` and ``table`` are the grouping's groups and their sums (groups x SUMS), as ``sums.grouped_sums``
    gives them.
    """
    chosen = members(values, grouping, params)
    if chosen is None:
        return None
    pooled = pool([" / ".join(v.values()) for v in values], table, chosen)

    def estimate(statistic: str) -> Estimate:
        return regression_estimate(pooled.table[None, :, :], statistic)

    data = GroupingData(
        grouping=grouping,
        labels=pooled.labels,
        rows=pooled.table[:, 0],
        estimate=estimate,
        reference=pooled.reference,
        minimum_rows=minimum_rows(params, float(pooled.table[:, 0].sum())),
    )
    return data, chosen


def _replicate_table(
    ctx: AuditContext, columns: tuple[str, ...], grouping: tuple[str, ...], labels: list[str], chosen: list[int]
) -> np.ndarray:
    """The grouping's sums in every replicate, the reference pooled as in the data: replicates x groups x SUMS."""
    cells, sums = resampled_cells(ctx, columns)
    values, indicator = group_indicator(cells, grouping)
    assert [" / ".join(v.values()) for v in values] == labels  # the same groups, in the same order
    flat = indicator.T.astype(float) @ sums.reshape(len(cells), -1)
    pooled = pool(labels, flat, chosen).table.reshape(-1, REPLICATES, len(SUMS))
    return pooled.transpose(1, 0, 2)


def _gap(data: GroupingData, statistic: str, replicates: np.ndarray | None, params: FairnessParams) -> dict[str, Any]:
    """One statistic's gap over one grouping, with the bootstrap interval of the same pair's gap."""
    part = compare_part(data, statistic, "difference", params)
    if part.value is None or part.low is None or part.high is None:
        return {"statistic": statistic, "group": None, "minus": None, "value": None, "reason": part.reason}
    low, high = data.labels.index(part.low), data.labels.index(part.high)
    # without a reference: highest minus lowest; with one: the group (part.low) minus the reference (part.high)
    first, second = (low, high) if data.reference is not None else (high, low)
    value = float(data.estimate(statistic).value[0, first] - data.estimate(statistic).value[0, second])
    found: dict[str, Any] = {
        "statistic": statistic,
        "group": data.labels[first],
        "minus": data.labels[second],
        "value": value,
    }
    if replicates is not None:
        resampled = regression_estimate(replicates, statistic).value
        found["interval"] = percentile_interval(resampled[:, first] - resampled[:, second], params.confidence)
    return found
