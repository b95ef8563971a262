"""Business impact: what a policy says each outcome of a decision costs, and the expected cost per group.

A policy may declare ``costs:`` in the units its readers already use (a currency, hours, complaints)::

    costs:
      unit: USD
      per: application          # what one row is, for the sentence "expected cost per application"
      false_rejection: 400      # a creditworthy applicant declined: lost margin, and harm to them
      false_approval: 2500      # an applicant who will default approved
      true_approval: -300       # a good loan: a gain is a negative cost
      true_rejection: 0

The expected cost of a group is the mean cost per labelled row: each row's outcome (favourable or not,
decided rightly or wrongly) priced by the table, so it is computed from the confusion counts the fairness
checks already record (``tp``, ``fp``, ``tn``, ``fn``). The report shows it per group with the gap
between the highest and lowest group, beside the statistical checks. This module imports only pydantic,
so the policy and the report may both use it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Costs(BaseModel):
    """The cost of each outcome of a favourable/unfavourable decision, in ``unit`` (a gain is negative)."""

    # NaN or infinite costs would price every group as "nan": refused where the policy is read
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    unit: str = Field(min_length=1, max_length=40)
    per: str = Field(default="row", min_length=1, max_length=40)
    false_rejection: float = 0.0  # truly favourable, not given it (a false negative)
    false_approval: float = 0.0  # truly unfavourable, given the favourable outcome (a false positive)
    true_approval: float = 0.0
    true_rejection: float = 0.0


def expected_cost(costs: Costs, tp: int, fp: int, tn: int, fn: int) -> float | None:
    """The mean cost per labelled row of a group with these confusion counts; None without a labelled row."""
    labelled = tp + fp + tn + fn
    if labelled == 0:
        return None
    total = (
        tp * costs.true_approval + fp * costs.false_approval + tn * costs.true_rejection + fn * costs.false_rejection
    )
    return total / labelled
