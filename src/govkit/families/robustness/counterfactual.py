"""Counterfactual flips: change only a sensitive attribute (or a flagged proxy) and count changed decisions.

For every sampled row and every other value of the attribute (its ``max_values`` most frequent values in
the reference data), the row is given that value and nothing else changes. A row's decision *flips* when
any other value changes it (a regression model's prediction: when it moves by more than
``regression_tolerance`` times the interquartile range of the predictions); the evidence also names the
other value that changes the most decisions.
Only model inputs can be flipped: a sensitive column the model does not take is reported as not an input,
and with none to flip the check is inconclusive, never a pass (its influence may still travel through
proxies, which the explain family's proxy check looks for).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.robustness.asking import ask, sample_rows
from govkit.families.robustness.columns import MISSING, like
from govkit.families.robustness.flips import by_group, decisions_changed, group_flips
from govkit.results import Measurement

if TYPE_CHECKING:
    import pandas as pd

    from govkit.context import AuditContext
    from govkit.families.robustness.params import CounterfactualParams


def _attributes(ctx: AuditContext, params: CounterfactualParams) -> tuple[list[tuple[str, bool]], list[str]]:
    """(column, is a proxy) for each column to flip, and the sensitive columns that are not model inputs."""
    sensitive = params.sensitive or ctx.sensitive
    unknown = [c for c in [*sensitive, *params.proxies] if c not in ctx.current.columns]
    if unknown:
        raise ValueError(f"column(s) {', '.join(unknown)} not in the current data")
    inputs = set(ctx.features)
    flipped = [(c, False) for c in sensitive if c in inputs]
    flipped += [(c, True) for c in params.proxies if c in inputs and c not in sensitive]
    return flipped, [c for c in sensitive if c not in inputs]


def flip_attribute(
    ctx: AuditContext, frame: pd.DataFrame, column: str, proxy: bool, params: CounterfactualParams
) -> dict[str, Any]:
    """One attribute flipped to each of its other frequent values, on ``frame`` (the sampled model inputs)."""
    import numpy as np
    import pandas as pd

    source = ctx.reference if ctx.reference is not None and column in ctx.reference.columns else ctx.current
    counts = source[column].dropna().value_counts()
    values = list(counts[counts > 0].index[: params.max_values])  # a category's unused levels are not values
    before = ask(ctx, frame)
    own = frame[column].astype("string").fillna(MISSING).to_numpy()
    any_flip = np.zeros(len(frame), dtype=bool)
    per_value: list[tuple[str, float]] = []
    for value in values:
        others = own != str(value)
        if not others.any():
            continue
        changed = frame.copy()
        changed[column] = like(pd.Series(value, index=frame.index, dtype=object), frame[column])
        after = ask(ctx, changed)
        flips = decisions_changed(ctx.task, before.decisions, after.decisions, params.regression_tolerance) & others
        any_flip |= flips
        per_value.append((str(value), float(flips.sum() / others.sum())))
    worst = max(per_value, key=lambda pair: pair[1]) if per_value else None
    return {
        "column": column,
        "proxy": proxy,
        "values": [str(v) for v in values],
        "overall": group_flips(None, "all rows", any_flip, None, params.confidence),
        "groups": by_group(frame, [column], any_flip, None, params.confidence),
        "worst_value": None if worst is None else worst[0],
        "worst_value_share": None if worst is None else worst[1],
    }


def measure(params: CounterfactualParams, ctx: AuditContext) -> Measurement:
    """The highest share of decisions that change when one attribute alone changes."""
    attributes, not_inputs = _attributes(ctx, params)
    details: dict[str, Any] = {
        "rows": 0,
        "population": len(ctx.current),
        "confidence": params.confidence,
        "attributes": [],
        "not_inputs": not_inputs,
    }
    if not attributes:
        return Measurement(
            inconclusive_reason=f"no sensitive attribute is a model input ({', '.join(not_inputs) or 'none given'}): "
            "there is nothing to flip, so the model's use of them cannot be measured this way",
            details=details,
        )
    rows = sample_rows(ctx, params.max_rows, "rows flipped")
    frame = ctx.current[ctx.features].iloc[rows]
    details["rows"] = len(rows)
    details["attributes"] = [flip_attribute(ctx, frame, column, proxy, params) for column, proxy in attributes]
    worst = max(details["attributes"], key=lambda a: a["overall"]["share"])
    described = "; ".join(f"{a['column']}: {a['overall']['share']:.2%}" for a in details["attributes"])
    not_input_text = f" Not model inputs: {', '.join(not_inputs)}." if not_inputs else ""
    return Measurement(
        value=worst["overall"]["share"],
        interval=worst["overall"]["interval"],
        sample_size=len(rows),
        method="each row given every other value of the attribute, all else unchanged",
        details=details,
        summary=f"Decisions that change when only the attribute changes: {described}.{not_input_text}",
    )
