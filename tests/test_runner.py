"""The runner: thresholds judge measurements the same way for every family; failures stay local."""

from __future__ import annotations

import pandas as pd
import pytest

from govkit.context import AuditContext
from govkit.policy import CheckSpec, ResolvedCheck
from govkit.registry import NoParams
from govkit.results import CheckResult, Measurement, RunResult, Status, Threshold, Verdict
from govkit.runner import judge, run_check

FAIL_BELOW = Threshold(lt=0.8)
WARN_BELOW = Threshold(lt=0.9)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.79, Status.FAIL), (0.8, Status.WARN), (0.85, Status.WARN), (0.9, Status.PASS), (1.0, Status.PASS)],
)
def test_fail_before_warn_and_bounds_are_strict(value: float, expected: Status) -> None:
    assert judge(Measurement(value=value), WARN_BELOW, FAIL_BELOW)[0] == expected


@pytest.mark.parametrize(
    ("op", "bound", "value", "met"),
    [
        ("gt", 1, 1, False),
        ("ge", 1, 1, True),
        ("lt", 1, 1, False),
        ("le", 1, 1, True),
        ("gt", 1, 1.01, True),
    ],
)
def test_threshold_operators(op: str, bound: float, value: float, met: bool) -> None:
    assert Threshold(**{op: bound}).is_met_by(value) is met


def test_no_value_is_inconclusive_or_error_never_pass() -> None:
    assert judge(Measurement(inconclusive_reason="too small"), None, FAIL_BELOW) == (Status.INCONCLUSIVE, "too small")
    assert judge(Measurement(), None, FAIL_BELOW)[0] == Status.ERROR
    assert judge(Measurement(value=float("nan")), None, FAIL_BELOW)[0] == Status.ERROR


def test_inconclusive_data_cannot_pass_but_a_clear_failure_still_fails() -> None:
    shaky = Measurement(value=0.95, inconclusive_reason="a tiny group decides")
    assert judge(shaky, WARN_BELOW, FAIL_BELOW)[0] == Status.INCONCLUSIVE
    failing = Measurement(value=0.5, inconclusive_reason="a tiny group decides")
    assert judge(failing, WARN_BELOW, FAIL_BELOW)[0] == Status.FAIL


def test_fail_when_interval_needs_the_whole_interval_past_the_threshold() -> None:
    straddles = Measurement(value=0.75, interval=(0.70, 0.83))
    status, message = judge(straddles, None, FAIL_BELOW, "interval")
    assert status == Status.WARN
    assert "interval 0.7–0.83 reaches the threshold" in message
    clear = Measurement(value=0.6, interval=(0.55, 0.66))
    assert judge(clear, None, FAIL_BELOW, "interval")[0] == Status.FAIL
    assert judge(straddles, None, FAIL_BELOW, "value")[0] == Status.FAIL


class _Family:
    NAME = "t"

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour

    def run(self, name: str, params: object, ctx: AuditContext) -> Measurement:
        if self.behaviour == "raise":
            raise ZeroDivisionError("division by zero")
        return Measurement(value=1.0)


def _context() -> AuditContext:
    return AuditContext(
        current=pd.DataFrame({"a": [1, 2]}),
        reference=None,
        target=None,
        sensitive=[],
        features=["a"],
        task="unknown",
        positive_label=None,
    )


def _run(monkeypatch: pytest.MonkeyPatch, check_id: str, behaviour: str, **spec: object) -> CheckResult:
    from govkit import runner
    from govkit.registry import CheckDef

    definition = CheckDef(title="T", doc="d", requires=frozenset({"current", *spec.pop("needs", ())}))
    monkeypatch.setattr(runner, "find_check", lambda _id: (_Family(behaviour), definition))
    return run_check(ResolvedCheck(spec=CheckSpec(id=check_id, **spec), params=NoParams(), source="x"), _context())


def test_an_exception_is_an_error_for_that_check_only(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(monkeypatch, "t.boom", "raise")
    assert result.status == Status.ERROR
    assert result.message == "could not run: ZeroDivisionError: division by zero"


def test_missing_inputs_skip_with_the_reason_and_required_skips_block(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(monkeypatch, "t.needs_model", "ok", needs=("model",))
    assert result.status == Status.SKIP
    assert result.message == "skipped: needs model (give --model)"
    assert not result.blocks
    required = _run(monkeypatch, "t.needs_model", "ok", needs=("model",), required=True)
    assert required.blocks


def test_verdicts() -> None:
    import json
    from pathlib import Path

    base = json.loads((Path(__file__).parent / "data" / "result-small.json").read_text())

    def verdict(*statuses: Status, severity: str = "blocking", fail_on: str = "fail") -> Verdict:
        result = RunResult.model_validate({**base, "fail_on": fail_on})
        result.checks = [
            CheckResult(id=f"x.{i}", family="x", title="x", status=s, message="m", severity=severity)
            for i, s in enumerate(statuses)
        ]
        return result.verdict

    assert verdict(Status.PASS) == Verdict.PASS
    assert verdict(Status.PASS, Status.WARN) == Verdict.PASS_WITH_WARNINGS
    assert verdict(Status.PASS, Status.WARN, fail_on="warn") == Verdict.FAIL
    assert verdict(Status.PASS, Status.SKIP) == Verdict.PASS_WITH_WARNINGS
    assert verdict(Status.FAIL, Status.ERROR) == Verdict.FAIL
    assert verdict(Status.ERROR) == Verdict.INCOMPLETE
    assert verdict(Status.FAIL, severity="advisory") == Verdict.PASS_WITH_WARNINGS
