"""Group fairness of a multiclass model: a favourable set of classes, or every class one-vs-rest.

A multiclass decision is made binary before the binary machinery runs:

- with a favourable set (``positive_label: [gold, silver]``), a row is *selected* when its predicted
  label is in the set and *positive* when its true label is; every rate, comparison and interval is
  then the binary one on those two indicators;
- without one, each class in turn is the favourable outcome (one-vs-rest). The check's value is the
  worst class's (the largest difference or the smallest ratio over every class, grouping and pair of
  groups), and its interval is corrected for choosing the worst of all those comparisons, the classes
  included (``intervals.worst_of`` over every class's comparisons). Each class's own value is in the
  evidence (``per_class``), so a reviewer sees which class was worst for which groups.

Each group's confusion matrix of the raw labels goes into the evidence too (``confusion``), counted
as a mergeable ``Accumulator`` like the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.errors import InputError
from govkit.families.fairness.classification import (
    METHODS,
    base_details,
    compared,
    comparison_evidence,
    method_text,
)
from govkit.families.fairness.counts import CellCounts, cell_values, code_cells, group_indicator, merge_cells
from govkit.families.fairness.metrics import Comparison, definition
from govkit.families.fairness.outcome import Outcome, decide
from govkit.families.fairness.params import FairnessParams, columns_of, grouping_name, groupings
from govkit.families.fairness.prose import sentence
from govkit.results import Measurement

if TYPE_CHECKING:
    from govkit.context import AuditContext, Batch

# The largest confusion matrices the evidence keeps: beyond these a table stops being readable.
MAX_CLASSES = 20
MAX_GROUPS = 50


def classes_of(ctx: AuditContext) -> list[Any]:
    """The classes: the model's order when known, then any other label seen in the target or predictions."""
    import pandas as pd

    known = list(ctx.classes or [])
    seen = list(pd.unique(ctx.y_pred))
    if ctx.target is not None:
        seen += [v for v in pd.unique(ctx.current[ctx.target]) if not pd.isna(v)]
    texts = {str(c) for c in known}
    extra = sorted({str(v): v for v in seen if str(v) not in texts}.items())
    return known + [value for _, value in extra]


@dataclass(frozen=True)
class ConfusionCounter:
    """Per-cell (true class, predicted class) counts; the last true row counts rows without a known target."""

    columns: tuple[str, ...]
    target: str | None
    classes: tuple[Any, ...]

    def update(self, batch: Batch) -> CellCounts:
        import numpy as np
        import pandas as pd

        if batch.labels is None:
            raise InputError("no predictions: give --model or --prediction-column")
        dense, keys = code_cells(batch.frame, self.columns)
        k = len(self.classes)
        index = pd.Index(list(self.classes), dtype=object)
        predicted = index.get_indexer(pd.Index(batch.labels, dtype=object))
        truth = np.full(len(dense), k)
        if self.target is not None:
            found = index.get_indexer(pd.Index(batch.frame[self.target], dtype=object))
            truth = np.where(found >= 0, found, k)  # missing (or unknown) truth: the unlabelled row
        kind = truth * k + np.where(predicted >= 0, predicted, 0)
        width = (k + 1) * k
        flat = np.bincount(dense * width + kind, minlength=len(keys) * width)
        return CellCounts(keys=keys, sums=flat.reshape(len(keys), width))

    def merge(self, partials: Sequence[CellCounts]) -> CellCounts:
        return merge_cells(partials, (len(self.classes) + 1) * len(self.classes))


def confusion_by_group(ctx: AuditContext, found: list[tuple[str, ...]], classes: list[Any]) -> dict[str, Any]:
    """The ``confusion`` evidence: each grouping's per-group matrices, within the size the report can show."""
    texts = [str(c) for c in classes]
    if len(classes) > MAX_CLASSES:
        return {"classes": texts, "groupings": {}, "left_out": [f"{len(classes)} classes: more than {MAX_CLASSES}"]}
    columns = columns_of(found)

    def count() -> tuple[list[dict[str, str]], Any]:
        counter = ConfusionCounter(columns=columns, target=ctx.target, classes=tuple(classes))
        counted = ctx.accumulate(counter)
        return cell_values(columns, counted.keys), counted.sums

    values, sums = ctx.memo(("fairness.confusion", columns), count)
    k = len(classes)
    shown: dict[str, list[dict[str, Any]]] = {}
    left_out = []
    for grouping in found:
        groups, indicator = group_indicator(values, grouping)
        if len(groups) > MAX_GROUPS:
            left_out.append(f"by {grouping_name(grouping)}: {len(groups)} groups, more than {MAX_GROUPS}")
            continue
        grouped = (indicator.T @ sums).reshape(len(groups), k + 1, k)
        shown[grouping_name(grouping)] = [
            {
                "group": " / ".join(v.values()),
                "matrix": grouped[i, :k].astype(int).tolist(),
                "unlabelled": grouped[i, k].astype(int).tolist(),
            }
            for i, v in enumerate(groups)
        ]
    return {"classes": texts, "groupings": shown, "left_out": left_out}


def _class_outcome(label: Any, outcome: Outcome) -> dict[str, Any]:
    part = outcome.part
    return {
        "label": str(label),
        "value": outcome.value,
        "interval": outcome.interval,
        "deciding_grouping": None if outcome.deciding is None else grouping_name(outcome.deciding.grouping),
        "low_group": None if part is None else part.low,
        "high_group": None if part is None else part.high,
        "rate": None if part is None else part.statistic,
        "reason": outcome.inconclusive_reason,
    }


def _with_set(name: str, params: FairnessParams, ctx: AuditContext, chosen: list[Any]) -> Measurement:
    """The binary measurement on "label in the favourable set", with the set recorded.

    The set is matched to the classes by text, so ``--positive-label 2`` finds the class 2 of a model
    whose labels are numbers; a label that is no class is an error, never an empty set.
    """
    by_text = {str(c): c for c in classes_of(ctx)}
    unknown = [str(label) for label in chosen if str(label) not in by_text]
    if unknown:
        raise InputError(
            f"favourable label(s) {', '.join(repr(u) for u in unknown)} are not classes of this model; "
            f"the classes are: {', '.join(repr(c) for c in list(by_text)[:20])}"
        )
    favourable = tuple(by_text[str(label)] for label in chosen)
    comparisons, tables = compared(name, params, ctx, favourable)
    label = ", ".join(str(c) for c in chosen)
    return _measurement(name, params, ctx, label, comparisons, tables, {"favourable": [str(c) for c in chosen]})


def _one_vs_rest(name: str, params: FairnessParams, ctx: AuditContext, classes: list[Any]) -> Measurement:
    """Every class as the favourable outcome in turn; the check's value is the worst class's."""
    how = definition(name).how
    by_class = []
    for label in classes:
        comparisons, tables = compared(name, params, ctx, (label,))
        by_class.append((label, comparisons, tables, decide(comparisons, name, params, METHODS[how])))
    valued = [entry for entry in by_class if entry[3].value is not None]
    if not valued:
        worst = by_class[0]
    else:
        pick = max if how == "difference" else min
        worst = pick(valued, key=lambda entry: entry[3].value)  # type: ignore[arg-type, return-value]
    extra: dict[str, Any] = {
        "per_class": [_class_outcome(label, outcome) for label, _, _, outcome in by_class],
        "worst_class": str(worst[0]),
    }
    missing = [
        f"class '{label}' could not be compared: {outcome.inconclusive_reason}"
        for label, _, _, outcome in by_class
        if outcome.value is None
    ]
    all_comparisons = [c for _, comparisons, _, _ in by_class for c in comparisons]
    return _measurement(
        name, params, ctx, str(worst[0]), worst[1], worst[2], extra, every=all_comparisons, missing=missing
    )


def _measurement(
    name: str,
    params: FairnessParams,
    ctx: AuditContext,
    label: str,
    comparisons: list[Comparison],
    tables: dict[str, list[dict[str, Any]]],
    extra: dict[str, Any],
    every: list[Comparison] | None = None,
    missing: list[str] | None = None,
) -> Measurement:
    """The measurement shaped as the binary one, plus the multiclass evidence.

    ``every``: the comparisons the value and interval are chosen from (one-vs-rest: every class's).
    """
    how = definition(name).how
    details = base_details(params, label, tables, [comparison_evidence(c, how) for c in comparisons])
    details |= {"task": "multiclass", **extra}
    details["confusion"] = confusion_by_group(ctx, groupings(ctx, params), classes_of(ctx))
    outcome = decide(every if every is not None else comparisons, name, params, METHODS[how])
    reasons = "; ".join(r for r in [outcome.inconclusive_reason, *(missing or [])] if r) or None
    if outcome.value is None or outcome.deciding is None or outcome.part is None:
        return Measurement(
            details=details,
            sample_size=ctx.current_rows,
            method="per-group confusion counts",
            inconclusive_reason=reasons,
        )
    details["deciding_grouping"] = grouping_name(outcome.deciding.grouping)
    if outcome.interval_method is not None:
        details["interval_method"] = outcome.interval_method
    favourable = extra.get("favourable")
    said = favourable if favourable is not None else label  # a set is said as 'A' or 'B'
    summary = sentence(outcome.deciding.grouping, outcome.part, how, said, params.compares_with_reference)
    if "per_class" in extra:
        summary = f"Worst class one-vs-rest: '{label}'. {summary}"
    return Measurement(
        value=outcome.value,
        interval=outcome.interval,
        sample_size=ctx.current_rows,
        method=method_text(params)
        + ("; each class one-vs-rest, the worst class's value" if "per_class" in extra else ""),
        details=details,
        inconclusive_reason=reasons,
        summary=summary,
    )


def measure(name: str, params: FairnessParams, ctx: AuditContext) -> Measurement:
    """One fairness check of a multiclass model's decisions."""
    chosen = ctx.favourable_labels
    if chosen:
        return _with_set(name, params, ctx, chosen)
    return _one_vs_rest(name, params, ctx, classes_of(ctx))
