"""Counting changed decisions, overall and by sensitive group, with Wilson intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.robustness.columns import MISSING
from govkit.families.robustness.statistics import wilson

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def decisions_changed(task: str, before: np.ndarray, after: np.ndarray, tolerance: float) -> np.ndarray:
    """Per row: did the decision change? A regression model's prediction counts as changed when it moves by
    more than ``tolerance`` times the interquartile range of the predictions before the change."""
    import numpy as np

    if task != "regression":
        return np.asarray(before != after)
    q1, q3 = np.quantile(before, [0.25, 0.75]) if len(before) else (0.0, 0.0)
    return np.asarray(np.abs(after - before) > tolerance * float(q3 - q1))


def group_flips(
    column: str | None, group: str, flipped: np.ndarray, score_change: np.ndarray | None, confidence: float
) -> dict[str, Any]:
    """One group's changed decisions (``flipped`` is a boolean per row of the group)."""
    import numpy as np

    rows = len(flipped)
    count = int(flipped.sum())
    low, high = wilson(np.array([count]), np.array([max(rows, 1)]), confidence)
    return {
        "column": column,
        "group": group,
        "rows": rows,
        "flipped": count,
        "share": count / rows if rows else 0.0,
        "interval": (float(low[0]), float(high[0])),
        "mean_score_change": None if score_change is None or not rows else float(np.mean(score_change)),
    }


def by_group(
    frame: pd.DataFrame, columns: list[str], flipped: np.ndarray, score_change: np.ndarray | None, confidence: float
) -> list[dict[str, Any]]:
    """``group_flips`` for every group of each of ``columns`` (values of ``frame``, row-aligned with ``flipped``)."""
    import numpy as np

    found = []
    for column in columns:
        text = frame[column].astype("string").fillna(MISSING).to_numpy()
        for value in sorted(set(text.tolist())):
            at = text == value
            change = None if score_change is None else score_change[at]
            found.append(group_flips(column, str(value), np.asarray(flipped)[at], change, confidence))
    return found
