"""The fairness checks' one-sentence summaries: which groups, which rate, how far apart, in plain words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govkit.families.fairness.metrics import STATISTIC_NAMES
from govkit.families.fairness.params import grouping_name

if TYPE_CHECKING:
    from govkit.families.fairness.intervals import How
    from govkit.families.fairness.metrics import PartResult

RATE_PHRASES = {
    "selection_rate": "{label} rows are given {outcome}",
    "tpr": "among rows whose true outcome is {outcome}, {label} rows are predicted so",
    "fpr": "among rows whose true outcome is not {outcome}, {label} rows are wrongly predicted {outcome}",
    "fnr": "among rows whose true outcome is {outcome}, {label} rows are missed",
    "precision": "of the {label} rows predicted {outcome}, the share truly {outcome}",
    "accuracy": "{label} rows are predicted correctly",
}

STATISTIC_WORDS = {
    "mean_prediction": "mean prediction",
    "mean_error": "mean error",
    "mae": "mean absolute error",
    "rmse": "RMSE",
}


def sentence(grouping: tuple[str, ...], part: PartResult, how: How, positive: Any, reference: bool = False) -> str:
    """One plain sentence a PM can read about the deciding comparison; "" when its values are missing."""
    low, high, lo, hi = part.low, part.high, part.low_value, part.high_value
    if lo is None or hi is None or part.value is None:
        return ""
    if reference:
        return _against_reference(grouping, part, how, positive)
    outcome = outcome_text(positive)
    by = grouping_name(grouping)
    if part.statistic == "selection_rate" and how == "ratio":
        return (
            f"By {by}: {low} rows are given {outcome} at {part.value:.0%} of the rate of {high} rows "
            f"({lo:.1%} vs {hi:.1%})."
        )
    if how == "ratio":
        return (
            f"By {by}: the {STATISTIC_NAMES[part.statistic]} of {low} ({lo:.1%}) is {part.value:.2f} times that of "
            f"{high} ({hi:.1%})."
        )
    if part.statistic not in RATE_PHRASES:
        return (
            f"By {by}: the {STATISTIC_NAMES[part.statistic]} is {lo:.1%} for {low}, against {hi:.1%} for {high}; "
            f"a gap of {part.value:.2f}."
        )
    phrase = RATE_PHRASES[part.statistic].format(label=low, outcome=outcome)
    if part.statistic == "precision":
        return f"By {by}: {phrase} is {lo:.1%}, against {hi:.1%} for {high}; a gap of {part.value:.2f}."
    return (
        f"By {by}: {phrase[0].upper() + phrase[1:]} {lo:.1%} of the time, against {hi:.1%} for {high}; "
        f"a gap of {part.value:.2f}."
    )


def outcome_text(positive: Any) -> str:
    """The favourable outcome in a sentence: 'A', or for a multiclass favourable set 'A' or 'B'."""
    if isinstance(positive, (list, tuple)):
        return " or ".join(f"'{label}'" for label in positive)
    return f"'{positive}'"


def _against_reference(grouping: tuple[str, ...], part: PartResult, how: How, positive: Any) -> str:
    low, high, lo, hi = part.low, part.high, part.low_value, part.high_value
    assert lo is not None and hi is not None and part.value is not None
    by, name = grouping_name(grouping), STATISTIC_NAMES[part.statistic]
    if part.statistic in STATISTIC_WORDS:
        return (
            f"By {by}: the {name} of {low} is {lo:.4g}, against {hi:.4g} for the reference group {high}; "
            f"a difference of {lo - hi:+.4g}."
        )
    if part.statistic == "selection_rate" and how == "ratio":
        return (
            f"By {by}: {low} rows are given {outcome_text(positive)} at {part.value:.0%} of the rate of the "
            f"reference group {high} ({lo:.1%} vs {hi:.1%})."
        )
    if how == "ratio":
        return (
            f"By {by}: the {name} of {low} ({lo:.1%}) is {part.value:.2f} times that of the reference group "
            f"{high} ({hi:.1%})."
        )
    return (
        f"By {by}: the {name} of {low} is {lo:.1%}, against {hi:.1%} for the reference group {high}; "
        f"a difference of {lo - hi:+.2f}."
    )


def regression_sentence(grouping: str, statistic: str, low: tuple[str, float], high: tuple[str, float]) -> str:
    """The range of a per-group statistic, e.g. "By sex: the mean prediction ranges from 2 (A) to 5 (B)."."""
    return (
        f"By {grouping}: the {STATISTIC_WORDS[statistic]} ranges from {low[1]:.4g} ({low[0]}) to "
        f"{high[1]:.4g} ({high[0]})."
    )
