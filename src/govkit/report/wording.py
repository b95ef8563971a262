"""Plain words for what the runner records tersely: why a check could not run, and what the terms mean.

The runner records a skipped check as ``skipped: needs model, prediction (give --model ...)``: exact, and
what a CLI user needs, but it means nothing to a reader who did not run the command. The report says
what was missing in words and keeps the flag, with the library argument, as a secondary hint. The
glossary gives the page one short definition per term its findings use, each with an anchor.
"""

from __future__ import annotations

import re

from govkit.results import CheckResult, Status

# Each input a check may need: what its absence means in words, and how to give it (CLI; library).
MISSING = {
    "model": ("no model was given", "--model; govkit.audit(model=...)"),
    "prediction": (
        "there were no predictions (no model and no prediction column)",
        "--model or --prediction-column; govkit.audit(model=...) or govkit.audit(prediction_column=...)",
    ),
    "probability": (
        "there were no scores (no model that gives probabilities, and no probability column)",
        "a model with predict_proba, or --probability-column; govkit.audit(probability_column=...)",
    ),
    "target": (
        "the true outcomes were not given",
        "--target; govkit.audit(target=...)",
    ),
    "sensitive": (
        "no sensitive column (such as sex or age) was named",
        "--sensitive; govkit.audit(sensitive=[...])",
    ),
    "reference": (
        "no reference data (what the model was validated on) was given",
        "--reference; govkit.audit(reference=...)",
    ),
    "current": ("no data was given", "--data; govkit.audit(data=...)"),
    "classifier": ("the model is not a classifier", "a classification model, or task: binary/multiclass"),
}

# What a family computes, as the object of "could not be ...".
FAMILY_WORK = {
    "quality": "data quality could not be checked",
    "drift": "drift could not be measured",
    "performance": "performance could not be measured",
    "fairness": "fairness could not be measured",
    "explain": "explanations could not be computed",
    "robustness": "robustness could not be tested",
}

FAMILY_NAMES = {
    "quality": "Data quality",
    "drift": "Drift",
    "performance": "Performance",
    "fairness": "Fairness",
    "explain": "Explanations",
    "robustness": "Robustness",
}

_NEEDS = re.compile(r"^skipped: needs ([a-z, ]+?)(?: \(.*\))?$")


def missing_inputs(message: str) -> list[str]:
    """The inputs a skip message names, in its order (empty for any other message).

    Without a model or predictions, "not a classifier" says nothing more, and would wrongly suggest there
    is a model: it is left out then.
    """
    match = _NEEDS.match(message)
    if match is None:
        return []
    names = [name.strip() for name in match.group(1).split(",") if name.strip()]
    if "classifier" in names and {"model", "prediction"} & set(names):
        names.remove("classifier")
    return names


def plain_reason(check: CheckResult, count: int = 1) -> str:
    """Why ``check`` (and ``count - 1`` others sharing its reason) did not run, said in words."""
    work = FAMILY_WORK.get(check.family, f"the {check.family} checks could not run")
    which = "" if count == 1 else f" (these {count} checks)"
    if check.status == Status.ERROR:
        subject = "The check" if count == 1 else f"These {count} checks"
        return f"{subject} failed to run, so {work}: {check.message}"
    missing = [MISSING[name][0] for name in missing_inputs(check.message) if name in MISSING]
    if missing:
        said = _join(missing)
        return f"{said[0].upper() + said[1:]}, so {work}{which}."
    return f"{work[0].upper() + work[1:]}{which}: {check.message}"


def how_to_give(check: CheckResult) -> str:
    """The CLI flag and library argument that would let a skipped check run ("" when none applies)."""
    hints = [MISSING[name][1] for name in missing_inputs(check.message) if name in MISSING]
    return "To run it, give: " + " and ".join(hints) + "." if hints else ""


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def family_list(families: list[str]) -> str:
    """Family ids as a reader names them, joined in a sentence: "Explanations and performance"."""
    names = [FAMILY_NAMES.get(f, f.replace("_", " ").capitalize()) for f in families]
    text = _join(names) if names else ""
    return text[:1].upper() + text[1:].lower() if text else ""


# term id -> (term, definition). The ids are the page's anchors (#term-<id>).
GLOSSARY: dict[str, tuple[str, str]] = {
    "finding": (
        "Finding",
        "One problem the audit found. Several checks may measure the same problem (the same gap between "
        "the same groups); they are listed together under it.",
    ),
    "selection-rate": ("Selection rate", "The share of a group given the favourable outcome (e.g. approved)."),
    "disparate-impact": (
        "Disparate impact ratio, demographic parity ratio",
        "The selection rate of the least favoured group divided by that of the most favoured one. The "
        "four-fifths rule of thumb used in US employment and lending screens asks for at least 0.8 (80%).",
    ),
    "demographic-parity-difference": (
        "Demographic parity difference",
        "The gap between the highest and lowest selection rates, in shares (0.10 = 10 percentage points).",
    ),
    "equal-opportunity": (
        "Equal opportunity",
        "Among people whose true outcome is favourable (e.g. who did repay), whether every group is given "
        "the favourable outcome as often (the true positive rate).",
    ),
    "equalized-odds": (
        "Equalized odds",
        "Equal opportunity, and also equal rates of wrongly given favourable outcomes (false positive "
        "rate); the worse of the two gaps decides.",
    ),
    "interval": (
        "Interval",
        "The range the true value plausibly lies in, given how many rows each group has (95% unless stated). "
        "A wide interval means small groups: the number is uncertain.",
    ),
    "threshold": (
        "Threshold",
        "The bound the policy sets: past its fail bound a check fails, past its warn bound it warns.",
    ),
    "blocking": (
        "Blocking, advisory",
        "A blocking check that fails stops deployment; an advisory one only warns.",
    ),
    "inconclusive": (
        "Inconclusive, skipped",
        "Inconclusive: measured, but the data cannot settle it (often: groups too small). Skipped: could not "
        "run because an input was missing. Neither is a pass.",
    ),
}


# The glossary entry each built-in check's name refers to (a check not listed links to none).
CHECK_TERMS = {
    "fairness.disparate_impact_ratio": "disparate-impact",
    "fairness.demographic_parity_ratio": "disparate-impact",
    "fairness.demographic_parity_difference": "demographic-parity-difference",
    "fairness.equal_opportunity_difference": "equal-opportunity",
    "fairness.equal_opportunity_ratio": "equal-opportunity",
    "fairness.equalized_odds_difference": "equalized-odds",
    "fairness.equalized_odds_ratio": "equalized-odds",
}
