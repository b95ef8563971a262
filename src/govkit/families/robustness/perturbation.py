"""Robustness to meaningless change: nudge every input a little and count the decisions that change.

A numeric input moves by a seeded uniform amount of at most ``numeric_scale`` times its interquartile
range in the reference data (the current data's without a reference), kept within the reference's range
(a value already outside it moves by at most its step, and never further out: drift is not pulled back in);
a column whose interquartile range is 0 is left as it is. A categorical value that is rare in the
reference (below ``rare_share``) or absent from it becomes the most similar frequent value (by
``difflib``'s similarity of the two texts, the more frequent on ties): the kind of variation (spelling,
a rare code) that should not decide anything. Frequent values are not touched, and neither are the
sensitive columns: changing those is the counterfactual check's question, not a meaningless change.

A classifier's decision flips when its label changes; a regression model's when its prediction moves
by more than ``regression_tolerance`` times the interquartile range of its predictions.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from govkit.families.robustness.asking import Outputs, ask, sample_rows
from govkit.families.robustness.columns import is_numeric, like
from govkit.families.robustness.flips import by_group, decisions_changed, group_flips
from govkit.results import Measurement

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from govkit.context import AuditContext
    from govkit.families.robustness.params import PerturbationParams


def _spread(reference: pd.Series) -> tuple[float, float, float]:
    """(interquartile range, minimum, maximum) of a numeric column's known values."""
    import numpy as np

    known = reference.dropna().to_numpy(dtype=float)
    if len(known) == 0:
        return 0.0, 0.0, 0.0
    q1, q3 = np.quantile(known, [0.25, 0.75])
    return float(q3 - q1), float(known.min()), float(known.max())


def nudge(values: np.ndarray, step: np.ndarray, low: float, high: float) -> np.ndarray:
    """``values`` moved by ``step``, kept within the reference range [low, high] or, for a value already
    outside it, between the value and the range: never moved by more than its step, so drift (values
    beyond the reference's) is not pulled back into the range as a large change."""
    import numpy as np

    return np.clip(values + step, np.minimum(values, low), np.maximum(values, high))


def nearest_frequent(value: str, frequent: list[str]) -> str:
    """The frequent value most similar to ``value`` (``frequent`` is in falling frequency: ties keep the first)."""
    best, best_score = frequent[0], -1.0
    for candidate in frequent:
        score = SequenceMatcher(None, value, candidate).ratio()
        if score > best_score:
            best, best_score = candidate, score
    return best


def _categorical(current: pd.Series, reference: pd.Series, rare_share: float) -> tuple[pd.Series, int]:
    """Rare or unseen values replaced by their most similar frequent value; how many cells changed."""
    shares = reference.dropna().value_counts(normalize=True)
    frequent = [v for v, share in shares.items() if share >= rare_share]
    if not frequent:
        return current, 0
    rare = current.notna() & ~current.isin(frequent)
    if not rare.any():
        return current, 0
    by_text = {str(v): v for v in frequent}
    texts = list(by_text)
    mapping = {v: by_text[nearest_frequent(str(v), texts)] for v in current[rare].unique()}
    changed = current.astype(object).copy()
    changed[rare] = current[rare].map(mapping)
    return like(changed, current), int(rare.sum())


def perturb(
    frame: pd.DataFrame, reference: pd.DataFrame, params: PerturbationParams, seed: int, keep: list[str]
) -> tuple[pd.DataFrame, dict[str, list[str]], int]:
    """The perturbed copy of ``frame`` (columns in ``keep`` unchanged), the columns changed or not, cells remapped.

    The columns come as {"numeric": moved, "still": numeric but without spread, "categorical": remapped}.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    changed = frame.copy()
    columns: dict[str, list[str]] = {"numeric": [], "still": [], "categorical": []}
    remapped = 0
    for column in frame.columns:
        if column in keep:
            continue
        source = reference[column] if column in reference.columns else frame[column]
        if is_numeric(frame[column]) and is_numeric(source):
            iqr, low, high = _spread(source)
            if iqr > 0:
                step = rng.uniform(-1.0, 1.0, size=len(frame)) * params.numeric_scale * iqr
                changed[column] = nudge(frame[column].to_numpy(dtype=float), step, low, high)
            columns["numeric" if iqr > 0 else "still"].append(column)
        elif frame[column].dtype == object or str(frame[column].dtype) in ("string", "category"):
            values, count = _categorical(frame[column], source, params.rare_share)
            if count:
                changed[column] = values
                columns["categorical"].append(column)
                remapped += count
    return changed, columns, remapped


def _flipped(ctx: AuditContext, before: Outputs, after: Outputs, tolerance: float) -> tuple[Any, Any]:
    """Per row: did the decision change, and by how much did the score (a regression model's prediction) move."""
    import numpy as np

    flipped = decisions_changed(ctx.task, before.decisions, after.decisions, tolerance)
    if ctx.task == "regression":
        return flipped, np.abs(after.decisions - before.decisions)
    change = None if before.scores is None or after.scores is None else np.abs(after.scores - before.scores)
    return flipped, change


def measure(params: PerturbationParams, ctx: AuditContext) -> Measurement:
    """The share of decisions that change under a meaningless change of the inputs."""
    import numpy as np

    rows = sample_rows(ctx, params.max_rows, "rows perturbed")
    frame = ctx.current[ctx.features].iloc[rows]
    reference = ctx.reference if ctx.reference is not None else ctx.current
    changed, columns, remapped = perturb(frame, reference, params, ctx.seed, ctx.sensitive)
    numeric, categorical = columns["numeric"], columns["categorical"]
    flipped, change = _flipped(ctx, ask(ctx, frame), ask(ctx, changed), params.regression_tolerance)
    sensitive = [c for c in ctx.sensitive if c in ctx.current.columns]
    overall = group_flips(None, "all rows", flipped, change, params.confidence)
    details: dict[str, Any] = {
        "rows": len(rows),
        "population": len(ctx.current),
        "numeric_columns": numeric,
        "numeric_not_moved": columns["still"],
        "numeric_scale": params.numeric_scale,
        "categorical_columns": categorical,
        "categorical_values_changed": remapped,
        "regression_tolerance": params.regression_tolerance if ctx.task == "regression" else None,
        "confidence": params.confidence,
        "overall": overall,
        "groups": by_group(ctx.current[sensitive].iloc[rows], sensitive, flipped, change, params.confidence),
        "mean_score_change": overall["mean_score_change"],
    }
    if not numeric and not categorical:
        return Measurement(
            inconclusive_reason="no input could be perturbed (no numeric spread, no rare categorical value)",
            details=details,
        )
    return Measurement(
        value=float(np.mean(flipped)) if len(flipped) else 0.0,
        interval=overall["interval"],
        sample_size=len(rows),
        method=f"numeric inputs ± up to {params.numeric_scale:g} × IQR, rare categories to the nearest frequent value",
        details=details,
        summary=f"{overall['flipped']:,} of {len(rows):,} decisions ({overall['share']:.2%}) changed after a "
        f"meaningless change to {len(numeric) + len(categorical)} input(s).",
    )
