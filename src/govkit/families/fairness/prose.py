"""The fairness checks' one-sentence summaries: which groups, which rate, how far apart, in plain words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.fairness.counts import RATE_NAMES
from govkit.families.fairness.params import grouping_name

if TYPE_CHECKING:
    from govkit.families.fairness.metrics import Comparison, How

RATE_PHRASES = {
    "selection_rate": "{label} rows are given {outcome}",
    "tpr": "among rows whose true outcome is {outcome}, {label} rows are predicted so",
    "fpr": "among rows whose true outcome is not {outcome}, {label} rows are wrongly predicted {outcome}",
    "fnr": "among rows whose true outcome is {outcome}, {label} rows are missed",
    "precision": "of the {label} rows predicted {outcome}, the share truly {outcome}",
    "accuracy": "{label} rows are predicted correctly",
}

STATISTIC_WORDS = {"mean_prediction": "mean prediction", "mae": "mean absolute error", "rmse": "RMSE"}


def sentence(worst: Comparison, table: list[dict[str, Any]], how: How, positive: Any) -> str:
    """One plain sentence a PM can read about the deciding comparison; "" when its rates are missing."""
    rates = {row["group"]: row[worst.rate] for row in table}
    low, high = worst.low, worst.high
    lo, hi = rates.get(low), rates.get(high)
    if lo is None or hi is None or worst.value is None:
        return ""
    outcome = f"'{positive}'"
    grouping = grouping_name(worst.grouping)
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
    if worst.rate == "precision":
        return f"By {grouping}: {phrase} is {lo:.1%}, against {hi:.1%} for {high}; a gap of {worst.value:.2f}."
    return (
        f"By {grouping}: {phrase[0].upper() + phrase[1:]} {lo:.1%} of the time, against {hi:.1%} for {high}; "
        f"a gap of {worst.value:.2f}."
    )


def regression_sentence(grouping: str, statistic: str, low: tuple[str, float], high: tuple[str, float]) -> str:
    """The range of a per-group statistic, e.g. "By sex: the mean prediction ranges from 2 (A) to 5 (B)."."""
    return (
        f"By {grouping}: the {STATISTIC_WORDS[statistic]} ranges from {low[1]:.4g} ({low[0]}) to "
        f"{high[1]:.4g} ({high[0]})."
    )
