"""The sentences of the drift checks: summaries and the note on how each column was tested."""

from __future__ import annotations

from typing import Any

from govkit.families.drift.params import METHODS


def columns_summary(
    columns: list[dict[str, Any]], drifted: list[dict[str, Any]], problems: list[dict[str, str]]
) -> str:
    """What the column checks found, naming the columns that shifted most and those not compared."""
    tested = len(columns)
    plural = "column" if tested == 1 else "columns"
    if tested == 0:
        sentence = "No column could be compared between the reference and current data."
    elif not drifted:
        sentence = f"None of the {tested} {plural} drifted."
    else:
        names = [c["column"] for c in drifted[:2]]  # already sorted by effect size, largest first
        if len(drifted) == 1:
            sentence = f"1 of {tested} {plural} drifted: {names[0]}."
        elif len(drifted) == 2:
            sentence = f"2 of {tested} {plural} drifted: {names[0]} and {names[1]}."
        else:
            sentence = f"{len(drifted)} of {tested} {plural} drifted; {names[0]} and {names[1]} shifted most."
    if problems:
        shown = "; ".join(f"{p['column']}: {p['problem']}" for p in problems[:3])
        more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
        count = "1 column was" if len(problems) == 1 else f"{len(problems)} columns were"
        sentence += f" {count} not compared ({shown}{more})."
    return sentence


def method_note(results: list[dict[str, Any]], notes: list[str], evidently_version: str) -> str:
    """Which method tested how many columns, what evidently chooses by default, and what was adjusted."""
    used: dict[str, int] = {}
    for result in results:
        used[result["method"]] = used.get(result["method"], 0) + 1
    described = ", ".join(
        f"{method} ({METHODS.get(method, (None, 'score'))[1].replace('_', '-')}) on {count} "
        f"column{'s' if count != 1 else ''}"
        for method, count in sorted(used.items())
    )
    note = (
        f"Drift tested per column with evidently {evidently_version}: {described or 'no column'}. "
        "Unless the policy sets a method, evidently chooses it by column type and size: above 1000 reference "
        "rows, normed Wasserstein distance (numerical) and Jensen-Shannon distance (categorical, natural "
        "log), "
        "drift at distance ≥ 0.1; otherwise K-S (numerical) and chi-square or Z test (categorical), drift at "
        "p-value < 0.05. Effect size, which unlike a p-value does not shrink with more rows: Wasserstein "
        "distance over the reference standard deviation (numerical), Jensen-Shannon distance in base 2 "
        "(categorical, 0 to 1)."
    )
    return note + ("" if not notes else " " + "; ".join(notes) + ".")


def series_summary(result: dict[str, Any], subject: str) -> str:
    """Whether one series shifted, with evidently's score against its threshold and the effect size."""
    drifted = result["drifted"]
    # a p-value signals drift when small, a distance when large
    signals_drift = "<" if result["score_kind"] == "p_value" else "≥"
    comparison = signals_drift if drifted else {"<": "≥", "≥": "<"}[signals_drift]
    return (
        f"{subject} {'shifted' if drifted else 'did not shift'} between the reference and current data "
        f"({score_words(result)} {result['score']:.3g} {comparison} threshold {result['threshold']:g}; "
        f"effect size {result['effect_size']:.3g})."
    )


def not_finite(result: dict[str, Any]) -> str:
    return f"evidently's {result['method']} score or the effect size is not a finite number for these values"


def score_words(result: dict[str, Any]) -> str:
    kind = "p-value" if result["score_kind"] == "p_value" else "distance"
    return f"{result['method']} {kind}"


def schema_summary(differences: list[dict[str, str]]) -> str:
    if not differences:
        return "The reference and current data have the same columns, with the same types."
    described = "; ".join(f"{d['column']} {d['problem']}" for d in differences[:3])
    more = f" and {len(differences) - 3} more" if len(differences) > 3 else ""
    noun = "column differs" if len(differences) == 1 else "columns differ"
    return f"{len(differences)} {noun} between the reference and current data: {described}{more}."
