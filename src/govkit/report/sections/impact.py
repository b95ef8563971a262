"""The business impact section: the policy's outcome costs applied to each group's recorded decisions.

It reads the policy's ``costs`` (``govkit.impact``) and the per-group confusion counts the fairness checks
recorded, so a results file renders it without re-running anything. Without declared costs, or without
a classifier's fairness evidence to price (regression, no fairness check, no target), there is no section.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from govkit.impact import Costs, expected_cost
from govkit.report.sections.common import read_evidence
from govkit.report.text import number, percent
from govkit.results import RunResult

if TYPE_CHECKING:
    from govkit.families.fairness.evidence import GroupFairnessEvidence, GroupRates


def _costs(result: RunResult) -> Costs | None:
    declared = result.policy.get("costs")
    if not isinstance(declared, dict):
        return None
    try:
        return Costs.model_validate(declared)
    except ValidationError:
        return None


def _evidence(result: RunResult) -> GroupFairnessEvidence | None:
    """The first binary classification fairness evidence: its groups carry the confusion counts."""
    from govkit.families.fairness.evidence import GroupFairnessEvidence

    for check in result.checks:
        if check.family != "fairness":
            continue
        evidence = read_evidence(check, GroupFairnessEvidence)
        if evidence is not None and evidence.task in (None, "binary"):
            return evidence
    return None


def _money(value: float | None, costs: Costs) -> str:
    return "—" if value is None else f"{number(value, 2)} {costs.unit}"


def _grouping(name: str, groups: list[GroupRates], costs: Costs) -> dict[str, Any]:
    """One grouping's table: each group's expected cost, and the gap between the large enough ones."""
    priced = [(g, expected_cost(costs, g.tp, g.fp, g.tn, g.fn)) for g in groups]
    rows = [
        {
            "group": g.group,
            "labelled": number(g.labelled),
            "share": percent(g.share),
            "false_rejections": number(g.fn),
            "false_approvals": number(g.fp),
            "cost": _money(cost, costs),
            "small": not g.large_enough,
        }
        for g, cost in priced
    ]
    deciding = [(g.group, cost) for g, cost in priced if g.large_enough and cost is not None]
    gap = ""
    if len(deciding) >= 2:
        (low, low_cost), (high, high_cost) = min(deciding, key=lambda p: p[1]), max(deciding, key=lambda p: p[1])
        gap = (
            f"{high} costs {_money(high_cost - low_cost, costs)} more per {costs.per} than {low} "
            f"({_money(high_cost, costs)} against {_money(low_cost, costs)})."
        )
    return {"grouping": name, "rows": rows, "gap": gap}


def build_impact(result: RunResult) -> dict[str, Any] | None:
    """The section's view, or None when the policy declares no costs or there are no decisions to price."""
    costs = _costs(result)
    evidence = _evidence(result) if costs is not None else None
    if costs is None or evidence is None or not evidence.groups:
        return None
    first = next(iter(evidence.groups.values()))
    overall = expected_cost(costs, *(sum(getattr(g, name) for g in first) for name in ("tp", "fp", "tn", "fn")))
    return {
        "unit": costs.unit,
        "per": costs.per,
        "prices": [
            {
                "outcome": "False rejection (favourable truth, not given it)",
                "cost": _money(costs.false_rejection, costs),
            },
            {"outcome": "False approval (given it, unfavourable truth)", "cost": _money(costs.false_approval, costs)},
            {"outcome": "True approval", "cost": _money(costs.true_approval, costs)},
            {"outcome": "True rejection", "cost": _money(costs.true_rejection, costs)},
        ],
        "overall": f"{_money(overall, costs)} per {costs.per} on average, over every row with a known outcome.",
        "groupings": [_grouping(name, groups, costs) for name, groups in evidence.groups.items()],
    }
