"""Issue 15: no vacuous verdicts.

A pass (or pass with warnings) needs at least one measured check (pass, warn, fail or inconclusive) in every
family the policy enables, unless the policy opts the family out with ``not_evaluated``; otherwise the
verdict is incomplete and the audit exits 1. Old results files still read and render.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govkit.report import render_format
from govkit.results import CheckResult, RunResult, Status, Verdict

DATA = Path(__file__).parent / "data"


def check(check_id: str, status: Status, severity: str = "advisory") -> CheckResult:
    family = check_id.split(".")[0]
    return CheckResult(id=check_id, family=family, title=check_id, status=status, message="", severity=severity)  # type: ignore[arg-type]


def result_with(*checks: CheckResult, not_evaluated: list[str] | None = None) -> RunResult:
    result = RunResult.read(DATA / "result-small.json")
    policy = dict(result.policy)
    if not_evaluated is not None:
        policy["not_evaluated"] = not_evaluated
    return result.model_copy(update={"checks": list(checks), "policy": policy})


def test_seventeen_skips_and_one_pass_is_not_a_pass() -> None:
    # `govkit init && govkit audit` without a model: quality measured, everything else skipped
    result = result_with(
        check("quality.completeness", Status.PASS, "blocking"),
        check("drift.drifted_columns_share", Status.SKIP, "blocking"),
        check("performance.accuracy", Status.SKIP, "blocking"),
        check("explain.proxy_features", Status.SKIP),
    )
    assert result.unmeasured_families == ["drift", "performance", "explain"]
    assert result.verdict == Verdict.INCOMPLETE
    assert not result.passed
    assert [c.id for c in result.blocking] == [
        "drift.drifted_columns_share",
        "performance.accuracy",
        "explain.proxy_features",
    ]


def test_an_error_is_not_a_measurement_but_inconclusive_is() -> None:
    errored = result_with(check("quality.completeness", Status.PASS), check("explain.additivity", Status.ERROR))
    assert errored.verdict == Verdict.INCOMPLETE
    inconclusive = result_with(
        check("quality.completeness", Status.PASS), check("fairness.equalized_odds_ratio", Status.INCONCLUSIVE)
    )
    assert inconclusive.verdict == Verdict.PASS_WITH_WARNINGS and inconclusive.passed


def test_one_measured_check_per_family_is_enough() -> None:
    result = result_with(check("drift.a", Status.PASS), check("drift.b", Status.SKIP), check("explain.c", Status.WARN))
    assert result.verdict == Verdict.PASS_WITH_WARNINGS
    assert result.passed


def test_a_family_opted_out_does_not_make_the_verdict_incomplete() -> None:
    result = result_with(
        check("quality.completeness", Status.PASS, "blocking"),
        check("explain.proxy_features", Status.SKIP),
        not_evaluated=["explain"],
    )
    assert result.unmeasured_families == []
    assert result.verdict == Verdict.PASS_WITH_WARNINGS


def test_a_failure_still_reads_as_fail() -> None:
    result = result_with(check("performance.accuracy", Status.FAIL, "blocking"), check("drift.a", Status.SKIP))
    assert result.verdict == Verdict.FAIL


def test_old_results_files_still_read_and_render() -> None:
    for name in ("result-small.json", "result-adult.json"):
        result = RunResult.read(DATA / name)
        assert result.not_evaluated == []
        for output in ("html", "junit", "markdown", "json"):
            assert render_format(result, output)
    adult = RunResult.read(DATA / "result-adult.json")
    assert adult.verdict == Verdict.FAIL  # every family measured something: unchanged


def test_not_evaluated_round_trips_through_results_json(tmp_path: Path) -> None:
    result = result_with(check("quality.completeness", Status.PASS), not_evaluated=["explain"])
    path = result.write_json(tmp_path / "results.json")
    assert json.loads(path.read_text())["policy"]["not_evaluated"] == ["explain"]
    assert RunResult.read(path).not_evaluated == ["explain"]


def test_a_policy_that_enables_no_check_is_refused(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from govkit.cli import main
    from govkit.errors import PolicyError
    from govkit.policy import load_policy

    empty = tmp_path / "empty.yaml"
    empty.write_text("version: 1\nname: empty\nchecks: []\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(empty)
    assert caught.value.problems == [
        "empty.yaml: enables no check; an audit needs at least one (add checks:, or extends: default)"
    ]
    disabled = tmp_path / "disabled.yaml"
    disabled.write_text("version: 1\nname: quiet\nchecks:\n  - id: performance.accuracy\n    enabled: false\n")
    outcome = CliRunner().invoke(main, ["validate", str(disabled)])
    assert outcome.exit_code == 2
    assert "disabled.yaml: enables no check" in outcome.output


def test_a_result_without_any_check_is_incomplete_and_does_not_pass() -> None:
    result = RunResult.read(DATA / "result-small.json")
    assert result.checks == []
    assert result.verdict == Verdict.INCOMPLETE
    assert not result.passed
