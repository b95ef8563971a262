"""Business impact: the policy's outcome costs priced on each group's decisions, checked by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkit.errors import PolicyError
from govkit.impact import Costs, expected_cost
from govkit.policy import load_policy
from govkit.report.sections.impact import build_impact

COSTS = """
costs:
  unit: USD
  per: application
  false_rejection: 400
  false_approval: 2500
  true_approval: -300
  true_rejection: 0
"""


def _policy(tmp_path: Path, costs: str = COSTS) -> Path:
    path = tmp_path / "priced.yaml"
    path.write_text(
        "version: 1\nname: priced\n" + costs + "checks:\n  - id: fairness.demographic_parity_difference\n",
        encoding="utf-8",
    )
    return path


def _frame():
    """Group A: 20 TP, 10 FP, 20 TN, 10 FN; group B: 10 TP, 5 FP, 30 TN, 15 FN (60 rows each)."""
    import pandas as pd

    def rows(group: str, tp: int, fp: int, tn: int, fn: int) -> list[dict[str, object]]:
        cells = [(1, 1)] * tp + [(0, 1)] * fp + [(0, 0)] * tn + [(1, 0)] * fn
        return [{"g": group, "y": y, "p": p, "x": float(i)} for i, (y, p) in enumerate(cells)]

    return pd.DataFrame(rows("A", 20, 10, 20, 10) + rows("B", 10, 5, 30, 15))


def test_expected_cost_is_the_mean_priced_outcome() -> None:
    costs = Costs(unit="USD", false_rejection=400, false_approval=2500, true_approval=-300)
    assert expected_cost(costs, tp=20, fp=10, tn=20, fn=10) == pytest.approx(23000 / 60)
    assert expected_cost(costs, tp=0, fp=0, tn=0, fn=0) is None


def test_the_report_section_matches_a_hand_calculation(tmp_path: Path) -> None:
    import govkit

    frame = _frame()
    result = govkit.audit(
        data=frame, reference=frame, target="y", sensitive=["g"], prediction_column="p", positive_label=1,
        policy=str(_policy(tmp_path)), parallel=False,
    )  # fmt: skip
    assert result.policy["costs"]["false_approval"] == 2500
    impact = build_impact(result)
    assert impact is not None
    # A: (20 x -300 + 10 x 2500 + 20 x 0 + 10 x 400) / 60 = 23000 / 60 = 383.33
    # B: (10 x -300 +  5 x 2500 + 30 x 0 + 15 x 400) / 60 = 15500 / 60 = 258.33
    # all: 38500 / 120 = 320.83; gap A - B = 7500 / 60 = 125
    (by_group,) = impact["groupings"]
    costs = {row["group"]: row["cost"] for row in by_group["rows"]}
    assert costs == {"A": "383.33 USD", "B": "258.33 USD"}
    assert impact["overall"].startswith("320.83 USD per application")
    assert by_group["gap"] == "A costs 125 USD more per application than B (383.33 USD against 258.33 USD)."
    html = govkit.render(result, tmp_path / "out", formats=["html"])["html"].read_text(encoding="utf-8")
    assert "Business impact" in html and "383.33 USD" in html


def test_no_costs_no_section(tmp_path: Path) -> None:
    import govkit

    frame = _frame()
    result = govkit.audit(
        data=frame, reference=frame, target="y", sensitive=["g"], prediction_column="p", positive_label=1,
        policy=str(_policy(tmp_path, costs="")), parallel=False,
    )  # fmt: skip
    assert "costs" not in result.policy
    assert build_impact(result) is None
    html = govkit.render(result, tmp_path / "out", formats=["html"])["html"].read_text(encoding="utf-8")
    assert "Business impact" not in html


def test_a_misspelt_cost_is_a_located_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as raised:
        load_policy(_policy(tmp_path, costs="costs:\n  unit: USD\n  flase_approval: 1\n"))
    assert "costs" in str(raised.value) and "flase_approval" in str(raised.value)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_costs_must_be_finite(bad: float) -> None:
    from pydantic import ValidationError

    from govkit.impact import Costs

    with pytest.raises(ValidationError):
        Costs(unit="USD", false_approval=bad)
