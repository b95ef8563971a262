"""Gating an audit inside a team's own test suite (pytest, unittest, or a plain script).

``assert_audit_passes`` runs an audit (or reads one already run) and raises ``AssertionError`` whose
message is the verdict and every blocking finding, one per line, so the failing test says what blocks::

    from govkit.testing import assert_audit_passes

    def test_model_may_ship():
        assert_audit_passes(model="build/model.skops", data="build/current.csv",
                            reference="build/reference.csv", target="income", sensitive=["sex"],
                            policy="lending")

Bad input still raises ``govkit.errors.GovkitError`` (not an assertion): a test that cannot audit is
an error in the test, not a finding about the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govkit.results import RunResult

__all__ = ["assert_audit_passes", "failure_message"]


def failure_message(result: RunResult) -> str:
    """The verdict and each blocking finding (or each family that measured nothing), one line each."""
    from govkit.report.text import VERDICT_TEXT, finding

    label, explanation = VERDICT_TEXT[result.verdict]
    lines = [f"govkit audit did not pass: {label}. {explanation}"]
    unmeasured = set(result.unmeasured_families)
    lines += [f"  not evaluated: {family} measured nothing" for family in result.unmeasured_families]
    lines += [
        f"  blocking: {check.id} ({check.status.value}): {finding(check)}"
        for check in result.blocking
        if check.family not in unmeasured
    ]
    if not result.checks:
        lines.append("  no check ran")
    return "\n".join(lines)


def assert_audit_passes(result: RunResult | str | Path | None = None, /, **audit_arguments: Any) -> RunResult:
    """Fail with the blocking findings unless the audit passed; return the result when it did.

    Give either a ``RunResult`` or the path of a results.json an audit wrote, or the keyword arguments of
    ``govkit.audit`` (model, data, reference, target, sensitive, policy, ...) to run the audit here.
    "Passed" is ``RunResult.passed``: nothing blocks under the result's ``fail_on`` (warnings pass unless
    the audit ran with ``fail_on="warn"``).
    """
    if result is not None and audit_arguments:
        raise TypeError("give a result or the arguments of govkit.audit, not both")
    if result is None:
        if not audit_arguments:
            raise TypeError("give a result, a results.json path, or the arguments of govkit.audit")
        from govkit.api import audit

        result = audit(**audit_arguments)
    elif not isinstance(result, RunResult):
        result = RunResult.read(result)
    if not result.passed:
        raise AssertionError(failure_message(result))
    return result
