"""One finding once: checks that measure the same gap between the same groups are one finding on the page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from govkit.report.findings import finding_key, findings_view, group_findings
from govkit.report.view import build_view
from govkit.report.wording import plain_reason
from govkit.results import RunResult, Status


def _biased_frame():
    """Group B is approved far less often than group A, with and without a good true outcome."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 2000
    group = rng.choice(["A", "B"], size=n)
    y = rng.integers(0, 2, size=n)
    rate = np.where(group == "A", np.where(y == 1, 0.9, 0.3), np.where(y == 1, 0.4, 0.05))
    pred = (rng.random(n) < rate).astype(int)
    return pd.DataFrame({"x": rng.normal(size=n), "group": group, "y": y, "pred": pred})


@pytest.fixture(scope="module")
def lending_on_predictions() -> RunResult:
    import govkit

    frame = _biased_frame()
    return govkit.audit(
        data=frame,
        reference=frame.sample(frac=1, random_state=1),
        target="y",
        sensitive=["group"],
        prediction_column="pred",
        positive_label=1,
        policy="lending",
        parallel=False,
    )


def test_the_same_gap_is_one_finding_listing_every_check(lending_on_predictions: RunResult) -> None:
    result = lending_on_predictions
    ratio, impact = result.check("fairness.demographic_parity_ratio"), result.check("fairness.disparate_impact_ratio")
    assert ratio.status == impact.status == Status.FAIL
    assert finding_key(ratio) == finding_key(impact)
    opportunity = result.check("fairness.equal_opportunity_difference")
    odds = result.check("fairness.equalized_odds_difference")
    # here the true positive rates decide both: the same gap between the same groups
    assert finding_key(opportunity) == finding_key(odds)
    assert finding_key(ratio) != finding_key(opportunity)

    view = findings_view(result)
    listed = [c["id"] for f in view["blocking"] for c in f["checks"]]
    assert len(listed) == len(set(listed))  # every check once
    selection = next(f for f in view["blocking"] if "fairness.disparate_impact_ratio" in [c["id"] for c in f["checks"]])
    assert {"fairness.demographic_parity_ratio", "fairness.disparate_impact_ratio"} <= {
        c["id"] for c in selection["checks"]
    }
    assert selection["text"].startswith("By group: B rows are given '1' at")
    assert "The policy fails when the" in selection["text"] and "below 0.8" in selection["text"]


def test_checks_that_could_not_run_for_one_reason_are_one_finding_in_words(
    lending_on_predictions: RunResult,
) -> None:
    result = lending_on_predictions
    explain = [c for c in result.checks if c.family == "explain"]
    assert explain and all(c.status == Status.SKIP for c in explain)
    findings = group_findings(explain)
    assert len(findings) == 1 and len(findings[0].checks) == len(explain)
    text = plain_reason(findings[0].lead, len(explain))
    assert text == f"No model was given, so explanations could not be computed (these {len(explain)} checks)."

    view = build_view(result)
    skipped = next(f for f in view["blocking"] if f["status"] == "skip")
    assert skipped["text"] == text
    assert skipped["hint"] == "To run it, give: --model; govkit.audit(model=...)."
    assert view["state"]["partial"]
    assert "Explanations" in view["state"]["lines"][0] and "could not be evaluated" in view["state"]["lines"][0]
    assert any(line.startswith("No model was given") for line in view["state"]["lines"])
    assert view["tally"].startswith(f"{len(view['blocking'])} blocking findings reported by ")


def test_lending_example_has_fewer_findings_than_failing_checks(adult_project: Path, tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "govkit.cli", "audit", "--policy", "lending", "--trust-type", "sklearn.tree._tree.Tree",
         "--out", str(tmp_path), "--format", "json"],
        cwd=adult_project, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 1, completed.stderr
    result = RunResult.read(tmp_path / "results.json")
    failing = [c for c in result.checks if c.status == Status.FAIL]
    findings = group_findings(failing)
    assert len(findings) < len(failing)
    for item in findings:
        assert item.checks and all(c.status == Status.FAIL for c in item.checks)
    impact = next(f for f in findings if any(c.id == "fairness.disparate_impact_ratio" for c in f.checks))
    assert {c.id for c in impact.checks} == {"fairness.disparate_impact_ratio", "fairness.demographic_parity_ratio"}

    view = findings_view(result)
    assert len(view["blocking"]) < sum(len(f["checks"]) for f in view["blocking"])
    assert f"{len(view['blocking'])} blocking findings reported by" in view["tally"]


def _signoff(result: RunResult, decision: str, state: str, reason: str | None = None):
    import hashlib

    from govkit.attestation import SignOff

    return SignOff(
        name="Alice", role="PM", decision=decision, conditions=None, expires=None, signed_at="2026-12-01",
        keyid="ab" * 32, results_sha256=hashlib.sha256(result.to_json().encode("utf-8")).hexdigest(),
        report_sha256="", subjects={}, envelope={}, override_reason=reason, state=state,
    )  # fmt: skip


def test_an_approval_of_a_fail_is_shown_as_an_override_and_a_claim_is_never_green(
    lending_on_predictions: RunResult,
) -> None:
    result = lending_on_predictions
    assert result.verdict.value == "fail"
    signoffs = [
        _signoff(result, "approve", "verified", "pilot with human review"),
        _signoff(result, "approve", "untrusted"),
        _signoff(result, "reject", "verified"),
    ]
    override, claim, rejection = build_view(result, signoffs)["signoff"]["entries"]
    assert override["decision_text"] == "Approved (override)" and override["decision_pill"] == "warn"
    assert (
        override["override"]
        == "Override: approves an audit whose verdict is Fail; recorded reason: pilot with human review."
    )
    assert claim["decision_text"] == "Approved (claim, not counted)" and claim["decision_pill"] == "skip"
    assert claim["state_text"] == "Untrusted key" and claim["state_pill"] == "fail"
    assert "no reason was recorded" in claim["override"]
    assert rejection["override"] == "" and rejection["decision_pill"] == "fail"


def test_the_policys_card_is_kept_apart_from_the_models(lending_on_predictions: RunResult) -> None:
    view = build_view(lending_on_predictions)
    assert view["model_card"] == []  # no card was given: the policy's text does not stand in for one
    assert {item["label"] for item in view["policy_card"]} == {"Intended use", "Out-of-scope use"}
